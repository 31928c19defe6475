package io.sluice.kafka;

import io.sluice.core.util.RateLimitedLogger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Commits a source's offsets, and only what the relay took: follows the relay's cumulative acknowledgement of the
 * source's publication, turns it into committable offsets through the {@link OffsetTracker}, and commits them every
 * {@code commit-interval} (asynchronously; synchronously when partitions are revoked or the source stops), for the
 * partitions still assigned. What the relay did not acknowledge is read again after a restart or a rebalance.
 * <p>
 * The source's thread only; the count acknowledged may be read from any thread.
 */
final class OffsetCommitter
{
    /** The acknowledged sequence to {@link #settle} with when there is no publication: nothing new. */
    static final long NO_PUBLICATION = -1;

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);

    private final String sourceName;
    private final OffsetTracker tracker;
    private final Set<TopicPartition> assigned;
    private final BridgeCounters events;
    private final long commitIntervalNanos;
    private final RateLimitedLogger warnings = new RateLimitedLogger(LOG, 10);
    private final OffsetCommitCallback onCommitted = this::onCommitted;
    private volatile long acknowledged;
    private long publishedAcked = -1;
    private long lastCommitNanos;

    /**
     * @param sourceName the source's name, for the log.
     * @param tracker maps the publication's sequences to offsets.
     * @param assigned the partitions assigned now: only theirs are committed.
     * @param events counts failed commits ({@code commit-failed}).
     * @param commitIntervalMs how often to commit.
     */
    OffsetCommitter(final String sourceName, final OffsetTracker tracker, final Set<TopicPartition> assigned,
        final BridgeCounters events, final long commitIntervalMs)
    {
        this.sourceName = sourceName;
        this.tracker = tracker;
        this.assigned = assigned;
        this.events = events;
        this.commitIntervalNanos = TimeUnit.MILLISECONDS.toNanos(commitIntervalMs);
    }

    /** @return messages the relay acknowledged, over every publication. */
    long acknowledged()
    {
        return acknowledged;
    }

    /** A new publication numbers its messages from 0 again; none is acknowledged yet. */
    void newPublication()
    {
        publishedAcked = -1;
    }

    /**
     * Takes in what the relay acknowledged, and commits when the interval is over.
     *
     * @param consumer the source's consumer.
     * @param now now.
     * @param ackedSequence the highest sequence of the publication the relay acknowledged, or
     *                      {@link #NO_PUBLICATION}.
     */
    void settle(final Consumer<?, ?> consumer, final long now, final long ackedSequence)
    {
        if (ackedSequence > publishedAcked)
        {
            acknowledged += ackedSequence - publishedAcked;
            publishedAcked = ackedSequence;
            tracker.acknowledged(ackedSequence);
        }
        if (now - lastCommitNanos >= commitIntervalNanos)
        {
            commit(consumer, false);
            lastCommitNanos = now;
        }
    }

    /**
     * Commits the offsets that became committable, for the partitions still assigned.
     *
     * @param consumer the source's consumer.
     * @param sync whether to wait for Kafka (up to 5 s): when the partitions are about to go.
     */
    void commit(final Consumer<?, ?> consumer, final boolean sync)
    {
        final Map<TopicPartition, Long> offsets = tracker.takeCommittable();
        if (offsets == null || offsets.isEmpty())
        {
            return;
        }
        final Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        offsets.forEach((partition, offset) ->
        {
            if (assigned.contains(partition))
            {
                commit.put(partition, new OffsetAndMetadata(offset));
            }
        });
        if (commit.isEmpty())
        {
            return;
        }
        if (sync)
        {
            try
            {
                consumer.commitSync(commit, Duration.ofSeconds(5));
            }
            catch (final RuntimeException ex)
            {
                events.increment("commit-failed");
                LOG.warn("kafka-source {}: committing offsets failed: {}", sourceName, ex.toString());
            }
            return;
        }
        consumer.commitAsync(commit, onCommitted);
    }

    private void onCommitted(final Map<TopicPartition, OffsetAndMetadata> done, final Exception error)
    {
        if (error != null)
        {
            events.increment("commit-failed");
            warnings.warn("kafka-source {}: committing offsets failed (the next commit retries): {}", sourceName,
                error.toString());
        }
    }
}
