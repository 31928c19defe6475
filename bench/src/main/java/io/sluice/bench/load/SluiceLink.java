package io.sluice.bench.load;

import io.sluice.client.ClientConfig;
import io.sluice.client.ClientTls;
import io.sluice.client.MessageHandler;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.Header;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Sluice through a relay on 127.0.0.1: stream {@code i} is named {@code bench-i}. Drop notices come from the relay's
 * GAP frames.
 */
public final class SluiceLink implements Link
{
    // Producers and consumers use clients of their own, as separate applications would: their connections do not
    // share event loop threads.
    private final SluiceClient producers;
    private final SluiceClient consumers;

    /**
     * @param port the relay's port on 127.0.0.1.
     * @param maxPayloadBytes the largest payload the run sends; it sizes the client's rings.
     * @param ioThreads the producers' client's event loop threads (the consumers' client has one).
     */
    public SluiceLink(final int port, final int maxPayloadBytes, final int ioThreads)
    {
        this(port, maxPayloadBytes, ioThreads, 0);
    }

    /**
     * @param receiveBufferBytes the consumers' kernel receive buffer; 0 for the OS's.
     */
    public SluiceLink(final int port, final int maxPayloadBytes, final int ioThreads, final int receiveBufferBytes)
    {
        this(port, maxPayloadBytes, ioThreads, receiveBufferBytes, null);
    }

    /**
     * @param tls TLS for both clients, or null for plain TCP.
     */
    public SluiceLink(final int port, final int maxPayloadBytes, final int ioThreads, final int receiveBufferBytes,
        final ClientTls tls)
    {
        final ClientConfig config = ClientConfig.of("127.0.0.1", port).withMaxMessageLength(Math.max(maxPayloadBytes, 64))
            .withTls(tls);
        this.producers = new SluiceClient(config.withIoThreads(ioThreads));
        // Latency-sized consumers: a small kernel buffer and a small ring (a few KiB of messages), since everything
        // waiting there ages.
        this.consumers = new SluiceClient(receiveBufferBytes == 0 ? config.withIoThreads(1) : config.withIoThreads(1)
            .withReceiveBufferBytes(receiveBufferBytes).withSubscriptionRingBytes(16 * 1024));
    }

    /**
     * @param stream stream index.
     * @return the stream's name on the relay.
     */
    public static String streamName(final int stream)
    {
        return "bench-" + stream;
    }

    @Override
    public String name()
    {
        return "sluice";
    }

    @Override
    public Inlet openInlet(final int stream) throws Exception
    {
        final Subscription subscription = consumers.subscribe(streamName(stream));
        return new SluiceInlet(subscription);
    }

    @Override
    public Outlet openOutlet(final int stream) throws Exception
    {
        final Publication publication = producers.publish(streamName(stream));
        return new Outlet()
        {
            @Override
            public boolean offer(final UnsafeBuffer payload, final int length, final boolean keyed, final long timestampNanos)
            {
                final long result = publication.offer(payload, 0, length, keyed ? FrameDescriptor.FLAG_KEYED : 0, timestampNanos);
                if (result >= 0)
                {
                    return true;
                }
                if (result == Publication.BACK_PRESSURED)
                {
                    return false;
                }
                throw new IllegalStateException("publication to " + publication.stream() + " failed (" + result + "): " +
                    publication.closeReason());
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
        producers.close();
        consumers.close();
    }

    /** Adapts the client's handler to a sink without allocating per message. */
    private static final class SluiceInlet implements Inlet, MessageHandler
    {
        private final Subscription subscription;
        private Sink sink;

        SluiceInlet(final Subscription subscription)
        {
            this.subscription = subscription;
        }

        @Override
        public int poll(final Sink sink, final int limit)
        {
            this.sink = sink;
            final int n = subscription.poll(this, limit);
            if (n == 0 && subscription.isDrained())
            {
                throw new IllegalStateException("subscription to " + subscription.stream() + " lost: " +
                    subscription.closeReason());
            }
            return n;
        }

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            sink.onMessage(header.timestampNanos());
        }

        @Override
        public void onGap(final Header header)
        {
            sink.onDropped(header.gapDroppedCount());
        }

        @Override
        public void close()
        {
            subscription.close();
        }
    }
}
