package io.sluice.kafka;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;

/**
 * The partitions the group assigned to a source, and whether they are paused. A source pauses every assigned
 * partition while it has any reason to (the relay pushes back, the stream has no subscriber) and resumes them when
 * the last reason is gone; while paused it keeps polling, so it stays in the group and no rebalance moves its
 * partitions. Partitions assigned while paused are paused at once.
 * <p>
 * The source's thread only (the rebalance callbacks run inside its {@code poll}); the count of paused partitions
 * may be read from any thread.
 */
final class PartitionPauser
{
    /** Why a source pauses its partitions; each is set and cleared on its own. */
    enum Reason
    {
        /** The relay stopped taking the source's messages: the stream's lanes are full. */
        BACK_PRESSURED,
        /** The stream has no subscriber, so the relay would keep nothing. */
        NO_SUBSCRIBER;

        private final int mask = 1 << ordinal();
    }

    private final BridgeCounters events;
    private final Set<TopicPartition> assigned = new HashSet<>();
    private final Set<TopicPartition> assignedView = Collections.unmodifiableSet(assigned);
    private int reasons;
    private volatile int pausedPartitions;

    /**
     * @param events counts each pause and resume of the partitions ({@code pause}, {@code resume}).
     */
    PartitionPauser(final BridgeCounters events)
    {
        this.events = events;
    }

    /** @return the partitions assigned now (a read-only view). */
    Set<TopicPartition> assigned()
    {
        return assignedView;
    }

    /** @return partitions paused now. */
    int pausedPartitions()
    {
        return pausedPartitions;
    }

    /**
     * @param reason a reason to pause.
     * @return whether it holds now.
     */
    boolean isPaused(final Reason reason)
    {
        return (reasons & reason.mask) != 0;
    }

    /**
     * Sets or clears a reason; pauses or resumes the assigned partitions when that makes the first reason or clears
     * the last.
     *
     * @param consumer the source's consumer.
     * @param reason the reason.
     * @param paused whether it holds now.
     */
    void set(final Consumer<?, ?> consumer, final Reason reason, final boolean paused)
    {
        final int before = reasons;
        reasons = paused ? before | reason.mask : before & ~reason.mask;
        if ((before == 0) != (reasons == 0) && !assigned.isEmpty())
        {
            if (reasons != 0)
            {
                consumer.pause(assigned);
                events.increment("pause");
            }
            else
            {
                consumer.resume(assigned);
                events.increment("resume");
            }
        }
        pausedPartitions = reasons == 0 ? 0 : assigned.size();
    }

    /**
     * @param consumer the source's consumer.
     * @param partitions assigned to the source now: paused at once while the source has a reason to.
     */
    void assign(final Consumer<?, ?> consumer, final Collection<TopicPartition> partitions)
    {
        assigned.addAll(partitions);
        if (reasons != 0 && !partitions.isEmpty())
        {
            consumer.pause(partitions);
        }
        pausedPartitions = reasons == 0 ? 0 : assigned.size();
    }

    /**
     * @param partitions taken from the source (revoked or lost).
     */
    void leave(final Collection<TopicPartition> partitions)
    {
        assigned.removeAll(partitions);
        pausedPartitions = reasons == 0 ? 0 : assigned.size();
    }

    /**
     * Pauses every assigned partition for good (the source is stopping), whatever the reasons.
     *
     * @param consumer the source's consumer.
     */
    void pauseAll(final Consumer<?, ?> consumer)
    {
        if (!assigned.isEmpty())
        {
            consumer.pause(assigned);
        }
    }

    /** The consumer is closed: nothing is assigned or paused, and no reason holds. */
    void reset()
    {
        assigned.clear();
        reasons = 0;
        pausedPartitions = 0;
    }
}
