package io.sluice.kafka;

import org.agrona.concurrent.NanoClock;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * The Kafka side of a sink: makes the producer (again and again, backing off, while Kafka cannot be reached), sends
 * each message the sink takes, keeps what is sent and not yet confirmed in a bounded {@link InFlightWindow} and
 * retires it in the order taken once Kafka settles it. A message whose {@code send} fails at once with a retriable
 * error waits, with every message taken after it, until Kafka takes it: nothing passes it, so each source's order is
 * kept.
 * <p>
 * Everything here runs on the sink's own thread, never on a Netty event loop: {@code send} may block up to
 * {@code max.block.ms}. Only the counts may be read from other threads.
 */
final class SinkSender
{
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);
    private static final long PARTITIONS_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long RETRY_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long RETRY_MAX_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String sinkName;
    private final KafkaSinkSettings settings;
    private final Function<Map<String, Object>, Producer<byte[], byte[]>> producers;
    private final SinkRecords records;
    private final InFlightWindow window;
    private final SinkFailures failures;
    private final SinkHealth health;
    private final BridgeCounters events;
    private final NanoClock clock;
    private final ArrayDeque<Delivery> unsent = new ArrayDeque<>();
    private volatile long confirmed;

    private Producer<byte[], byte[]> producer;
    private KafkaConnections connections;
    private boolean forcedClose;
    private int partitions;
    private long partitionsCheckedNanos;
    private long retryAtNanos;
    private long retryDelayNanos = RETRY_MIN_NANOS;

    /**
     * @param sinkName the sink's name, for the log.
     * @param settings the sink's settings.
     * @param producers makes the Kafka producer from its properties.
     * @param window the records in flight.
     * @param failures accounts for the records failed for good.
     * @param health hears of the trouble the sender runs into.
     * @param events counts the sends retried ({@code send-retry}).
     * @param clock the sink thread's clock.
     */
    SinkSender(final String sinkName, final KafkaSinkSettings settings,
        final Function<Map<String, Object>, Producer<byte[], byte[]>> producers, final InFlightWindow window,
        final SinkFailures failures, final SinkHealth health, final BridgeCounters events, final NanoClock clock)
    {
        this.sinkName = sinkName;
        this.settings = settings;
        this.producers = producers;
        this.records = new SinkRecords(settings);
        this.window = window;
        this.failures = failures;
        this.health = health;
        this.events = events;
        this.clock = clock;
    }

    /** @return records Kafka confirmed. */
    long confirmed()
    {
        return confirmed;
    }

    /** @return the producer's broker connections, or null while there is no producer. */
    KafkaConnections connections()
    {
        return connections;
    }

    /** @return whether the producer was closed at once, failing what Kafka had not confirmed. */
    boolean forcedClose()
    {
        return forcedClose;
    }

    /** @return whether messages wait to be sent again: the sink takes no more until they are sent. */
    boolean hasUnsent()
    {
        return !unsent.isEmpty();
    }

    /**
     * @param now now.
     * @return whether there is a producer and, when partitioning by source, the topic's partition count: whether the
     * sink may take messages.
     */
    boolean ready(final long now)
    {
        return ensureProducer(now) && ensurePartitions(now);
    }

    /**
     * @param most most messages the sink takes at once.
     * @return how many messages the sink may take now: 0 when the window is full of records or of bytes.
     */
    int room(final int most)
    {
        final int room = Math.min(window.room(), most);
        return window.inFlightBytes() >= settings.maxInFlightBytes() ? 0 : room;
    }

    /**
     * @param payloadBytes the message's length.
     * @return the window's next slot, for the message taken; {@link #send} it once filled.
     */
    Delivery claim(final int payloadBytes)
    {
        return window.claim(payloadBytes);
    }

    /**
     * Sends a message taken, or has it wait (in order) when messages wait already or the send fails at once with a
     * retriable error.
     *
     * @param d the slot {@link #claim claimed} for it, filled.
     */
    void send(final Delivery d)
    {
        if (!unsent.isEmpty() || !trySend(d))
        {
            unsent.add(d);
            if (unsent.size() == 1)
            {
                backOff(clock.nanoTime());
            }
        }
    }

    /**
     * Retires what Kafka settled, in the order taken.
     *
     * @return records retired.
     */
    int settle()
    {
        int n = 0;
        Delivery d;
        while ((d = window.settledHead()) != null)
        {
            final Exception error = d.error();
            if (error == null)
            {
                confirmed++;
            }
            else
            {
                failures.failedForGood(d, error, forcedClose);
            }
            window.retire();
            n++;
        }
        if (n > 0)
        {
            health.settled();
        }
        return n;
    }

    /**
     * Sends again what waits, once its back-off is over.
     *
     * @param now now.
     * @return records Kafka took.
     */
    int sendUnsent(final long now)
    {
        if (unsent.isEmpty() || now - retryAtNanos < 0)
        {
            return 0;
        }
        int n = 0;
        Delivery d;
        while ((d = unsent.peek()) != null)
        {
            if (!trySend(d))
            {
                backOff(now);
                return n;
            }
            unsent.poll();
            n++;
        }
        retryDelayNanos = RETRY_MIN_NANOS;
        health.clearTrouble();
        return n;
    }

    /**
     * Out of time while closing: fails what waits to be sent, closes the producer at once when Kafka has records
     * unconfirmed (it then fails them), and retires what that settles, waiting up to 5 s for the producer's callbacks.
     */
    void abandon()
    {
        Delivery d;
        while ((d = unsent.poll()) != null)
        {
            d.fail(new AbandonedException());
        }
        if (producer != null && window.inFlight() > 0)
        {
            forcedClose = true;
            producer.close(Duration.ZERO);
        }
        final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        settle();
        while (window.inFlight() > 0 && System.nanoTime() - until < 0)
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            settle();
        }
    }

    /** Closes the producer (unless {@link #abandon()} did), letting it finish sending for up to 5 s. */
    void close()
    {
        if (producer != null && !forcedClose)
        {
            try
            {
                producer.close(Duration.ofSeconds(5));
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("kafka-sink {}: closing the producer", sinkName, ex);
            }
        }
    }

    private boolean ensureProducer(final long now)
    {
        if (producer != null)
        {
            return true;
        }
        if (now - retryAtNanos < 0)
        {
            return false;
        }
        try
        {
            producer = producers.apply(settings.producer());
            connections = new KafkaConnections(producer::metrics, "producer-metrics", now);
            health.clearTrouble();
            return true;
        }
        catch (final RuntimeException ex)
        {
            health.trouble(now, "cannot make the Kafka producer: " + ex.getMessage());
            backOff(now);
            return false;
        }
    }

    // Partitioning by source needs the topic's partition count, from the producer's metadata.
    private boolean ensurePartitions(final long now)
    {
        if (KafkaSinkSettings.BY_KAFKA.equals(settings.partitionBy())
            || (partitions > 0 && now - partitionsCheckedNanos < PARTITIONS_REFRESH_NANOS))
        {
            return true;
        }
        if (partitions == 0 && now - retryAtNanos < 0)
        {
            return false;
        }
        try
        {
            partitions = producer.partitionsFor(settings.topic()).size();
            partitionsCheckedNanos = now;
            health.clearTrouble();
            return partitions > 0;
        }
        catch (final RuntimeException ex)
        {
            if (partitions > 0)
            {
                partitionsCheckedNanos = now;
                return true;
            }
            health.trouble(now, "cannot learn the partitions of topic " + settings.topic() + ": " + ex.getMessage());
            backOff(now);
            return false;
        }
    }

    /**
     * @return true when the record is queued in the producer or settled as failed; false when it must be retried.
     */
    private boolean trySend(final Delivery d)
    {
        final ProducerRecord<byte[], byte[]> record = records.record(d, partitions);
        Exception immediate;
        d.sending(Thread.currentThread());
        try
        {
            producer.send(record, d);
            immediate = d.sent();
        }
        catch (final RuntimeException ex)
        {
            d.sent();
            immediate = ex;
        }
        if (immediate == null)
        {
            return true;
        }
        if (SinkFailure.isRetriable(immediate))
        {
            events.increment("send-retry");
            health.trouble(clock.nanoTime(), "cannot send to Kafka: " + immediate.getMessage());
            return false;
        }
        d.fail(immediate);
        return true;
    }

    private void backOff(final long now)
    {
        retryAtNanos = now + retryDelayNanos;
        retryDelayNanos = Math.min(retryDelayNanos * 2, RETRY_MAX_NANOS);
    }
}
