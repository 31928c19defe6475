package io.sluice.bench.load;

import io.sluice.client.ClientConfig;
import io.sluice.client.DirectPublication;
import io.sluice.client.DirectSubscription;
import io.sluice.core.protocol.FrameDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Sluice through a relay with the client library's direct I/O: each producer a {@link DirectPublication}, each consumer
 * a {@link DirectSubscription}, so the producer's and the consumer's own threads frame, write and read their sockets
 * with no event loop between them and the relay, as the plain socket clients do. Streams are named as in
 * {@link SluiceLink}.
 */
public final class DirectSluiceLink implements Link
{
    private final ClientConfig config;

    /**
     * @param port the relay's port on 127.0.0.1.
     * @param maxPayloadBytes the largest payload the run sends.
     */
    public DirectSluiceLink(final int port, final int maxPayloadBytes)
    {
        this.config = ClientConfig.of("127.0.0.1", port).withMaxMessageLength(Math.max(maxPayloadBytes, 64));
    }

    @Override
    public String name()
    {
        return "sluice-direct";
    }

    @Override
    public Inlet openInlet(final int stream) throws Exception
    {
        final DirectSubscription subscription = DirectSubscription.connect(config, SluiceLink.streamName(stream));
        final SluiceLink.ToSink handler = new SluiceLink.ToSink(null);
        return new Inlet()
        {
            @Override
            public int poll(final Sink sink, final int limit)
            {
                handler.sink(sink);
                final int n = subscription.poll(handler, limit);
                if (n == 0 && subscription.isClosed())
                {
                    throw new IllegalStateException("direct subscription to " + SluiceLink.streamName(stream) +
                        " lost: " + subscription.closeReason());
                }
                return n;
            }

            @Override
            public void close()
            {
                subscription.close();
            }
        };
    }

    @Override
    public Outlet openOutlet(final int stream) throws Exception
    {
        final DirectPublication publication = DirectPublication.connect(config, SluiceLink.streamName(stream));
        return new Outlet()
        {
            @Override
            public boolean offer(final UnsafeBuffer payload, final int length, final boolean keyed,
                final long timestampNanos)
            {
                final long result = publication.offer(payload, 0, length, keyed ? FrameDescriptor.FLAG_KEYED : 0,
                    timestampNanos);
                if (result >= 0)
                {
                    return true;
                }
                if (result == DirectPublication.BACK_PRESSURED)
                {
                    // Sleep until the socket takes bytes, as the plain socket producer's blocking write does.
                    publication.awaitRoom(1);
                    return false;
                }
                throw new IllegalStateException("direct publication to " + publication.stream() + " failed (" +
                    result + "): " + publication.closeReason());
            }

            // Until the socket took everything: after the last flush nothing else would write what is left.
            @Override
            public void flush()
            {
                publication.flush();
                while (publication.pendingBytes() > 0 && publication.isConnected())
                {
                    publication.doWork();
                    Thread.onSpinWait();
                }
            }

            @Override
            public void close()
            {
                publication.close();
            }
        };
    }

    @Override
    public void close()
    {
    }
}
