package io.sluice.kafka;

import io.sluice.client.MessageHandler;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.Header;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The work of a {@link KafkaSink}'s thread, one duty cycle per {@link #doWork()}: settle what Kafka answered, send
 * again what waits to be sent, take from the subscription what the window has room for, subscribe again when the
 * subscription was lost, check the sink's health; closing, wait for the relay and Kafka until the deadline, then
 * abandon what is left. Everything but {@link #close}, {@link #relayStopping} and {@link #taken} runs on the sink's
 * thread.
 */
final class SinkLoop
{
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);
    private static final int POLL_BATCH = 256;
    private static final long HEALTH_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final String name;
    private final String stream;
    private final String subscriptionName;
    private final SinkSender sender;
    private final InFlightWindow window;
    private final SinkFailures failures;
    private final SinkHealth health;
    private final BridgeCounters events;
    private final NanoClock clock;
    private final MessageHandler onMessage = new Taker();
    /** Holds a message taken while closing, after the deadline: it is abandoned at once, never sent. */
    private final Delivery abandoned = new Delivery();

    private volatile long taken;
    private volatile boolean closing;
    private volatile boolean relayStopping;
    private volatile long closeDeadlineNanos;

    // The sink's thread only (set before it starts).
    private SluiceClient client;
    private Subscription subscription;
    private boolean abandonTaken;
    private boolean done;
    private long nextHealthCheckNanos;
    private long nextSubscribeNanos;

    SinkLoop(final String name, final String stream, final String subscriptionName, final SinkSender sender,
        final InFlightWindow window, final SinkFailures failures, final SinkHealth health, final BridgeCounters events,
        final NanoClock clock)
    {
        this.name = name;
        this.stream = stream;
        this.subscriptionName = subscriptionName;
        this.sender = sender;
        this.window = window;
        this.failures = failures;
        this.health = health;
        this.events = events;
        this.clock = clock;
    }

    /** Before the sink's thread starts: the client to subscribe again with, and the first subscription. */
    void start(final SluiceClient client, final Subscription subscription)
    {
        this.client = client;
        this.subscription = subscription;
    }

    /** Any thread: once the relay closes the subscription, do not subscribe again (the relay is stopping). */
    void relayStopping()
    {
        relayStopping = true;
    }

    /** Any thread: start closing, with a deadline (epoch of {@link System#nanoTime()}); the first call sets it. */
    void close(final long deadlineNanos)
    {
        if (!closing)
        {
            closeDeadlineNanos = deadlineNanos;
            closing = true;
        }
    }

    /** @return messages taken from the subscription. Any thread. */
    long taken()
    {
        return taken;
    }

    /** @return whether closing has finished: the thread may stop. */
    boolean isDone()
    {
        return done;
    }

    /** @return the work done: records settled and sent, messages taken. */
    int doWork()
    {
        final long now = clock.nanoTime();
        int work = sender.settle();
        if (closing && finishedClosing(now))
        {
            done = true;
            return work;
        }
        work += sender.sendUnsent(now);
        work += take(now);
        if (now - nextHealthCheckNanos >= 0)
        {
            health.check(now, sender.connections(), window);
            nextHealthCheckNanos = now + HEALTH_CHECK_NANOS;
        }
        return work;
    }

    private int take(final long now)
    {
        if (subscription == null || sender.hasUnsent() || !sender.ready(now))
        {
            resubscribeIfLost(now);
            return 0;
        }
        final int room = sender.room(POLL_BATCH);
        if (room == 0)
        {
            return 0;
        }
        final int n = subscription.poll(onMessage, room);
        if (n == 0)
        {
            resubscribeIfLost(now);
        }
        return n;
    }

    private void resubscribeIfLost(final long now)
    {
        if (subscription == null || (!subscription.isConnected() && subscription.isDrained()))
        {
            if (closing || relayStopping || now - nextSubscribeNanos < 0)
            {
                return;
            }
            if (subscription != null)
            {
                LOG.warn("kafka-sink {}: subscription to stream '{}' lost: {}", name, stream,
                    subscription.closeReason());
                subscription.close();
                subscription = null;
                events.increment("resubscribe");
            }
            try
            {
                subscription = client.subscribe(stream, subscriptionName);
                LOG.info("kafka-sink {}: subscribed to stream '{}' again", name, stream);
                health.clearTrouble();
            }
            catch (final SluiceException ex)
            {
                health.trouble(now, "not subscribed to stream '" + stream + "': " + ex.getMessage());
                nextSubscribeNanos = now + TimeUnit.SECONDS.toNanos(1);
            }
        }
    }

    /**
     * Closing: take what the relay still sends (it drains the lane into the sink during its graceful stop) and wait
     * for Kafka, until everything is settled or the deadline passes; then whatever is left is abandoned.
     *
     * @return whether the thread may stop.
     */
    private boolean finishedClosing(final long now)
    {
        final boolean received = subscription == null || subscription.isDrained();
        if (received && !sender.hasUnsent() && window.inFlight() == 0)
        {
            return true;
        }
        if (now - closeDeadlineNanos < 0)
        {
            return false;
        }
        // Out of time: abandon what Kafka has not confirmed, then what the relay sent and the sink did not take (both
        // kept as dead letters when the relay has a store), and stop receiving.
        abandonTaken = true;
        sender.abandon();
        if (subscription != null)
        {
            subscription.close();
            while (subscription.poll(onMessage, POLL_BATCH) > 0)
            {
                // Each message taken now is abandoned at once.
            }
        }
        return true;
    }

    /** The sink's thread, last: closes the producer and the subscription. */
    void shutDown()
    {
        sender.close();
        if (subscription != null)
        {
            subscription.close();
        }
        final long lost = window.inFlight();
        if (lost > 0)
        {
            LOG.warn("kafka-sink {}: stopped with {} records Kafka neither confirmed nor refused", name, lost);
        }
    }

    // Takes each message polled from the subscription into the window and sends it.
    private final class Taker implements MessageHandler
    {
        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            final Delivery d = abandonTaken ? abandoned : sender.claim(length);
            d.streamId = header.streamId();
            d.sourceId = header.sourceId();
            d.flags = header.flags();
            d.sequence = header.sequence();
            d.timestampNanos = header.timestampNanos();
            final byte[] payload = new byte[length];
            buffer.getBytes(offset, payload);
            d.payload = payload;
            taken++;
            if (abandonTaken)
            {
                failures.failedForGood(d, new AbandonedException(), sender.forcedClose());
                return;
            }
            sender.send(d);
        }

        @Override
        public void onGap(final Header header)
        {
            events.add("gap-dropped", header.gapDroppedCount());
        }
    }
}
