package io.sluice.bench.load;

import io.sluice.client.BufferClaim;
import io.sluice.client.CallbackSubscription;
import io.sluice.client.ClientConfig;
import io.sluice.client.ClientTls;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.MessageHandler;
import io.sluice.client.Publication;
import io.sluice.client.PublicationEndpoint;
import io.sluice.client.SluiceClient;
import io.sluice.client.SubscribeOptions;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.Header;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Sluice through a relay on 127.0.0.1: stream {@code i} is named {@code bench-i}. Drop notices come from the relay's
 * GAP frames.
 * <p>
 * By default each producer claims in an exclusive publication (one copy, into the memory the socket is written from)
 * and each unpaced consumer is a callback subscription (the sink runs on the event loop over the read buffer); a paced
 * consumer polls a subscription. With {@code classicPaths} producers offer to shared publications and every consumer
 * polls, the paths before the exclusive publication and the callback subscription, to compare.
 * <p>
 * Consumers subscribe without a subscription name and without acknowledgements unless a constructor says otherwise:
 * {@link SubscribeOptions#acknowledged()} for acknowledged delivery (the library acknowledges each message once the
 * sink has it), a name for a durable subscription.
 */
public final class SluiceLink implements Link
{
    // Producers and consumers use clients of their own, as separate applications would: their connections do not
    // share event loop threads.
    private final SluiceClient producers;
    private final SluiceClient consumers;
    private final boolean classicPaths;
    private final String subscriptionName;
    private final SubscribeOptions subscribeOptions;

    /**
     * @param port the relay's port on 127.0.0.1.
     * @param maxPayloadBytes the largest payload the run sends; it sizes the client's rings.
     * @param ioThreads the producers' client's event loop threads (the consumers' client has one).
     */
    public SluiceLink(final int port, final int maxPayloadBytes, final int ioThreads)
    {
        this(port, maxPayloadBytes, ioThreads, false);
    }

    /**
     * @param latencySized consumers sized for latency ({@code --low-latency}): a 16 KiB ring, and, unless they are
     *                     given acknowledged delivery of their own, {@link StrategyRelays#LOW_LATENCY_SUBSCRIBE}.
     */
    public SluiceLink(final int port, final int maxPayloadBytes, final int ioThreads, final boolean latencySized)
    {
        this(port, maxPayloadBytes, ioThreads, latencySized, false);
    }

    /**
     * @param classicPaths offer and poll rather than claim and callback.
     */
    public SluiceLink(final int port, final int maxPayloadBytes, final int ioThreads, final boolean latencySized,
        final boolean classicPaths)
    {
        this(port, maxPayloadBytes, ioThreads, latencySized, classicPaths, null);
    }

    /**
     * @param tls TLS for both clients, or null for plain TCP.
     */
    public SluiceLink(final int port, final int maxPayloadBytes, final int ioThreads, final boolean latencySized,
        final boolean classicPaths, final ClientTls tls)
    {
        this(port, maxPayloadBytes, ioThreads, latencySized, classicPaths, tls, "", SubscribeOptions.DEFAULT);
    }

    /**
     * @param subscriptionName every consumer's subscription name (durable), or empty.
     * @param subscribeOptions how every consumer subscribes, e.g. {@link SubscribeOptions#acknowledged()}.
     */
    public SluiceLink(final int port, final int maxPayloadBytes, final int ioThreads, final boolean latencySized,
        final boolean classicPaths, final ClientTls tls, final String subscriptionName,
        final SubscribeOptions subscribeOptions)
    {
        final ClientConfig config = ClientConfig.of("127.0.0.1", port)
            .withMaxMessageLength(Math.max(maxPayloadBytes, 64)).withTls(tls);
        this.producers = new SluiceClient(config.withIoThreads(ioThreads));
        // Latency-sized consumers: a small ring and a small window of unacknowledged messages, since everything
        // waiting on the way to the application ages.
        this.consumers = new SluiceClient(latencySized
            ? config.withIoThreads(1).withSubscriptionRingBytes(16 * 1024) : config.withIoThreads(1));
        this.classicPaths = classicPaths;
        this.subscriptionName = subscriptionName;
        this.subscribeOptions = latencySized && !subscribeOptions.isAcknowledged()
            ? StrategyRelays.LOW_LATENCY_SUBSCRIBE : subscribeOptions;
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
        final Subscription subscription = consumers.subscribe(streamName(stream), subscriptionName,
            subscribeOptions);
        return new PolledInlet(subscription);
    }

    @Override
    public Inlet openInlet(final int stream, final Sink sink) throws Exception
    {
        if (classicPaths)
        {
            return null;
        }
        final CallbackSubscription subscription = consumers.subscribe(streamName(stream),
            subscriptionName, subscribeOptions, new ToSink(sink));
        return new Inlet()
        {
            @Override
            public int poll(final Sink ignored, final int limit)
            {
                if (!subscription.isConnected())
                {
                    throw lost(subscription.stream(), subscription.closeReason());
                }
                return 0;
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
        if (classicPaths)
        {
            // A copy into the shared publication's ring, another into the socket's buffers.
            final Publication publication = producers.publish(streamName(stream));
            return new PublishingOutlet(publication, (payload, length, flags, timestampNanos) ->
                publication.offer(payload, 0, length, flags, timestampNanos));
        }
        // One copy, into the memory the socket is written from.
        final ExclusivePublication publication = producers.publishExclusive(streamName(stream));
        final BufferClaim claim = new BufferClaim();
        return new PublishingOutlet(publication, (payload, length, flags, timestampNanos) ->
        {
            final long result = publication.tryClaim(length, claim);
            if (result > 0)
            {
                claim.putBytes(payload, 0, length).flags(flags).timestampNanos(timestampNanos).commit();
            }
            return result;
        });
    }

    @Override
    public void close()
    {
        producers.close();
        consumers.close();
    }

    private static IllegalStateException lost(final String stream, final String reason)
    {
        return new IllegalStateException("subscription to " + stream + " lost: " + reason);
    }

    /** Sends one message, as a publication's offer: a position when taken, else a negative status. */
    @FunctionalInterface
    private interface Send
    {
        long send(UnsafeBuffer payload, int length, int flags, long timestampNanos);
    }

    /** A producer's end over either kind of publication. */
    private static final class PublishingOutlet implements Outlet
    {
        private final PublicationEndpoint publication;
        private final Send send;

        PublishingOutlet(final PublicationEndpoint publication, final Send send)
        {
            this.publication = publication;
            this.send = send;
        }

        @Override
        public boolean offer(
            final UnsafeBuffer payload, final int length, final boolean keyed, final long timestampNanos)
        {
            final long result = send.send(payload, length, keyed ? FrameDescriptor.FLAG_KEYED : 0, timestampNanos);
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
    }

    /** Adapts the client's handler to a sink without allocating per message. */
    static final class ToSink implements MessageHandler
    {
        private Sink sink;

        ToSink(final Sink sink)
        {
            this.sink = sink;
        }

        /** The sink of the next poll. */
        void sink(final Sink next)
        {
            sink = next;
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
    }

    /** Polls a subscription on the consumer's thread. */
    private static final class PolledInlet implements Inlet
    {
        private final Subscription subscription;
        private final ToSink handler = new ToSink(null);

        PolledInlet(final Subscription subscription)
        {
            this.subscription = subscription;
        }

        @Override
        public int poll(final Sink sink, final int limit)
        {
            handler.sink = sink;
            final int n = subscription.poll(handler, limit);
            if (n == 0 && subscription.isDrained())
            {
                throw lost(subscription.stream(), subscription.closeReason());
            }
            return n;
        }

        @Override
        public void close()
        {
            subscription.close();
        }
    }
}
