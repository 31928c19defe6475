package io.sluice.kafka;

import io.sluice.client.Publication;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.util.EpochClock;
import io.sluice.core.util.RateLimitedLogger;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * Turns a source's Kafka records into messages of its stream: holds the records polled, in order, and offers each
 * to the relay as a message (keyed when its value can carry a key, stamped with its record's timestamp or the time
 * it is offered), until the relay pushes back. Each message offered is noted in the {@link OffsetTracker} under the
 * sequence the publication gave it. A record the relay can never take is skipped and counted, settled with the
 * message before it.
 * <p>
 * The source's thread only; the count offered may be read from any thread.
 */
final class SourcePublisher
{
    /** Where messages go: a {@link Publication}'s {@code offer}, answering its position or a status below 0. */
    @FunctionalInterface
    interface Relay
    {
        long offer(DirectBuffer buffer, int offset, int length, int flags, long timestampNanos);
    }

    private static final byte[] EMPTY = new byte[0];

    private final String sourceName;
    private final KafkaSourceSettings settings;
    private final OffsetTracker tracker;
    private final BridgeCounters failed;
    private final RateLimitedLogger warnings = new RateLimitedLogger(LoggerFactory.getLogger(KafkaSource.class), 10);
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> held = new ArrayDeque<>();
    private final UnsafeBuffer payload = new UnsafeBuffer(EMPTY);
    private volatile long offered;
    private long nextSequence;

    /**
     * @param sourceName the source's name, for the log.
     * @param settings the source's settings.
     * @param tracker notes the offset of each message offered.
     * @param failed counts the records skipped ({@code too-large-for-relay}).
     */
    SourcePublisher(final String sourceName, final KafkaSourceSettings settings, final OffsetTracker tracker,
        final BridgeCounters failed)
    {
        this.sourceName = sourceName;
        this.settings = settings;
        this.tracker = tracker;
        this.failed = failed;
    }

    /** @return messages offered and taken by the relay, over every publication. */
    long offered()
    {
        return offered;
    }

    /** @return records held, not yet offered. */
    int held()
    {
        return held.size();
    }

    /** @return whether records are held. */
    boolean holds()
    {
        return !held.isEmpty();
    }

    /**
     * @param records polled: held, in order, until offered.
     */
    void hold(final ConsumerRecords<byte[], byte[]> records)
    {
        for (final ConsumerRecord<byte[], byte[]> record : records)
        {
            held.add(record);
        }
    }

    /** A new publication numbers its messages from 0 again. */
    void newPublication()
    {
        nextSequence = 0;
    }

    /**
     * The publication was lost with what it had not acknowledged: drops what is held (it is read again from the
     * committed offsets) and counts as offered only what was acknowledged.
     *
     * @param acknowledged messages the relay acknowledged, over every publication.
     */
    void lost(final long acknowledged)
    {
        held.clear();
        offered = acknowledged;
    }

    /**
     * @param partitions taken from the source: their held records go (their next owner reads them).
     */
    void forget(final Collection<TopicPartition> partitions)
    {
        held.removeIf(r -> partitions.contains(partitionOf(r)));
    }

    /**
     * Offers held records in order until the relay pushes back.
     *
     * @param relay where they go.
     * @return whether records are still held.
     */
    boolean offerHeld(final Relay relay)
    {
        ConsumerRecord<byte[], byte[]> record;
        while ((record = held.peek()) != null)
        {
            final byte[] value = record.value() == null ? EMPTY : record.value();
            payload.wrap(value);
            final int flags = settings.keyed() && value.length >= FrameDescriptor.KEY_LENGTH
                ? FrameDescriptor.FLAG_KEYED : 0;
            final long timestamp = settings.recordTimestamp() && record.timestamp() >= 0
                ? TimeUnit.MILLISECONDS.toNanos(record.timestamp()) : EpochClock.nanos();
            final long result = relay.offer(payload, 0, value.length, flags, timestamp);
            if (result >= 0)
            {
                tracker.offered(nextSequence++, partitionOf(record), record.offset());
                offered++;
                held.poll();
            }
            else if (result == Publication.MESSAGE_TOO_LARGE)
            {
                // It can never be published; skip it (counted), and do not hold the partition's later records back.
                failed.increment("too-large-for-relay");
                warnings.warn("kafka-source {}: record {} of {}-{} has {} bytes, more than the relay takes; skipped",
                    sourceName, record.offset(), record.topic(), record.partition(), value.length);
                // Settled with the message before it: committable once that one is acknowledged.
                tracker.offered(nextSequence - 1, partitionOf(record), record.offset());
                held.poll();
            }
            else
            {
                break;
            }
        }
        return !held.isEmpty();
    }

    private static TopicPartition partitionOf(final ConsumerRecord<byte[], byte[]> record)
    {
        return new TopicPartition(record.topic(), record.partition());
    }
}
