package io.sluice.bench.load;

import io.sluice.client.BufferClaim;
import io.sluice.client.CallbackSubscription;
import io.sluice.client.ClientConfig;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.SluiceClient;
import io.sluice.core.protocol.FrameDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Sluice through a relay with the client library in the invoker mode ({@link ClientConfig#withInvoker()}): each
 * producer and each consumer has a client of its own, which its load thread opens, runs in {@code doWork} and closes,
 * so no event loop thread stands between that thread and its socket. A producer claims in an exclusive publication,
 * a consumer's handler runs over the read buffer inside {@code doWork}: the same paths as {@link SluiceLink}'s
 * defaults, on the application's threads. Streams are named as in {@link SluiceLink}.
 * <p>
 * A consumer is polled (its {@code doWork} is its poll), and takes what each read brings whatever the poll's limit:
 * a paced consumer's pace is approximate.
 */
public final class InvokedSluiceLink implements Link
{
    // A producer's claims between two runs of its client's I/O while it is not back-pressured.
    private static final int CLAIMS_PER_DO_WORK = 512;

    private final ClientConfig config;

    /**
     * @param port the relay's port on 127.0.0.1.
     * @param maxPayloadBytes the largest payload the run sends.
     */
    public InvokedSluiceLink(final int port, final int maxPayloadBytes)
    {
        this.config = ClientConfig.of("127.0.0.1", port).withMaxMessageLength(Math.max(maxPayloadBytes, 64))
            .withInvoker();
    }

    @Override
    public String name()
    {
        return "sluice-invoked";
    }

    @Override
    public Inlet openInlet(final int stream) throws Exception
    {
        final SluiceClient client = new SluiceClient(config);
        final SluiceLink.ToSink handler = new SluiceLink.ToSink(null);
        final CallbackSubscription subscription;
        try
        {
            subscription = client.subscribe(SluiceLink.streamName(stream), handler);
        }
        catch (final Exception ex)
        {
            client.close();
            throw ex;
        }
        return new Inlet()
        {
            @Override
            public int poll(final Sink sink, final int limit)
            {
                handler.sink(sink);
                final int work = client.doWork();
                if (work == 0 && !subscription.isConnected())
                {
                    throw new IllegalStateException("invoked subscription to " + subscription.stream() + " lost: " +
                        subscription.closeReason());
                }
                return work;
            }

            @Override
            public void close()
            {
                client.close();
            }
        };
    }

    @Override
    public Outlet openOutlet(final int stream) throws Exception
    {
        final SluiceClient client = new SluiceClient(config);
        final ExclusivePublication publication;
        try
        {
            publication = client.publishExclusive(SluiceLink.streamName(stream));
        }
        catch (final Exception ex)
        {
            client.close();
            throw ex;
        }
        final BufferClaim claim = new BufferClaim();
        return new Outlet()
        {
            private int claims;

            @Override
            public boolean offer(final UnsafeBuffer payload, final int length, final boolean keyed,
                final long timestampNanos)
            {
                final long result = publication.tryClaim(length, claim);
                if (result > 0)
                {
                    claim.putBytes(payload, 0, length).flags(keyed ? FrameDescriptor.FLAG_KEYED : 0)
                        .timestampNanos(timestampNanos).commit();
                    if (++claims == CLAIMS_PER_DO_WORK)
                    {
                        claims = 0;
                        client.doWork();
                    }
                    return true;
                }
                if (result == ExclusivePublication.BACK_PRESSURED)
                {
                    // The socket may have room again: only this thread's doWork writes the log into it.
                    client.doWork();
                    return false;
                }
                throw new IllegalStateException("invoked publication to " + publication.stream() + " failed (" +
                    result + "): " + publication.closeReason());
            }

            // Until the socket took everything: nothing else writes what is left while the producer waits.
            @Override
            public void flush()
            {
                claims = 0;
                client.doWork();
                while (publication.bufferedBytes() > 0 && publication.isConnected())
                {
                    client.doWork();
                    Thread.onSpinWait();
                }
            }

            @Override
            public void close()
            {
                client.close();
            }
        };
    }

    @Override
    public void close()
    {
    }
}
