package io.sluice.kafka;

import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.Map;

/**
 * Maps the sequences a source's publication gave its messages back to the Kafka offsets they came from, so that the
 * source commits an offset only once the relay has acknowledged the message (the relay's ACK carries the highest
 * sequence it took into every lane of the stream; a publication numbers its messages 0, 1, 2, ... in the order
 * offered).
 * <p>
 * Consecutive messages from one partition share one entry (up to {@link #RUN} of them), so the tracker holds about
 * one entry per switch between partitions. An entry is settled once its last sequence is acknowledged; its partition
 * may then commit the offset after its last record. Single-threaded (the source's thread).
 */
final class OffsetTracker
{
    /** Most messages one entry covers: how far a commit can lag behind the relay's acknowledgements. */
    static final int RUN = 512;

    private TopicPartition[] partitions = new TopicPartition[16];
    private long[] lastSequence = new long[16];
    private long[] lastOffset = new long[16];
    private int[] count = new int[16];
    private int head;
    private int size;
    private final Map<TopicPartition, Long> committable = new HashMap<>();
    private boolean changed;

    /**
     * Records that message {@code sequence} came from {@code offset} of {@code partition}.
     *
     * @param sequence the message's sequence: one more than the previous call's, or the same for a record settled
     *                 together with the message before it (one the relay could not take, skipped).
     * @param partition where the record came from.
     * @param offset the record's offset.
     */
    void offered(final long sequence, final TopicPartition partition, final long offset)
    {
        if (size > 0)
        {
            final int last = index(size - 1);
            if (partitions[last].equals(partition) && count[last] < RUN)
            {
                lastSequence[last] = sequence;
                lastOffset[last] = offset;
                count[last]++;
                return;
            }
        }
        if (size == partitions.length)
        {
            grow();
        }
        final int at = index(size++);
        partitions[at] = partition;
        lastSequence[at] = sequence;
        lastOffset[at] = offset;
        count[at] = 1;
    }

    /**
     * The relay acknowledged every sequence up to {@code sequence}.
     *
     * @param sequence the highest sequence acknowledged.
     */
    void acknowledged(final long sequence)
    {
        while (size > 0 && lastSequence[head] <= sequence)
        {
            committable.put(partitions[head], lastOffset[head] + 1);
            changed = true;
            partitions[head] = null;
            head = (head + 1) % partitions.length;
            size--;
        }
    }

    /** @return entries not yet acknowledged. */
    int entries()
    {
        return size;
    }

    /** @return whether every message offered is acknowledged. */
    boolean allAcknowledged()
    {
        return size == 0;
    }

    /**
     * @return the offsets to commit (the next offset to read, per partition) when any changed since the last call,
     * else null.
     */
    Map<TopicPartition, Long> takeCommittable()
    {
        if (!changed)
        {
            return null;
        }
        changed = false;
        return new HashMap<>(committable);
    }

    /**
     * @param partition a partition.
     * @return the next offset to read for it, as acknowledged so far, or -1 when none is.
     */
    long acknowledgedOffset(final TopicPartition partition)
    {
        final Long offset = committable.get(partition);
        return offset == null ? -1 : offset;
    }

    /**
     * Forgets a partition the source no longer owns (after a rebalance): its unacknowledged entries, and what it had
     * to commit.
     */
    void forget(final TopicPartition partition)
    {
        committable.remove(partition);
        compact(partition);
    }

    /**
     * Forgets every unacknowledged entry (the publication is gone: its sequences mean nothing any more); what was
     * acknowledged stays committable.
     */
    void forgetUnacknowledged()
    {
        while (size > 0)
        {
            partitions[head] = null;
            head = (head + 1) % partitions.length;
            size--;
        }
        head = 0;
    }

    private void compact(final TopicPartition drop)
    {
        final int n = size;
        final TopicPartition[] p = new TopicPartition[partitions.length];
        final long[] s = new long[partitions.length];
        final long[] o = new long[partitions.length];
        final int[] c = new int[partitions.length];
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            final int at = index(i);
            if (!partitions[at].equals(drop))
            {
                p[kept] = partitions[at];
                s[kept] = lastSequence[at];
                o[kept] = lastOffset[at];
                c[kept] = count[at];
                kept++;
            }
        }
        partitions = p;
        lastSequence = s;
        lastOffset = o;
        count = c;
        head = 0;
        size = kept;
    }

    private int index(final int i)
    {
        return (head + i) % partitions.length;
    }

    private void grow()
    {
        final int n = partitions.length;
        final TopicPartition[] p = new TopicPartition[n * 2];
        final long[] s = new long[n * 2];
        final long[] o = new long[n * 2];
        final int[] c = new int[n * 2];
        for (int i = 0; i < size; i++)
        {
            final int at = index(i);
            p[i] = partitions[at];
            s[i] = lastSequence[at];
            o[i] = lastOffset[at];
            c[i] = count[at];
        }
        partitions = p;
        lastSequence = s;
        lastOffset = o;
        count = c;
        head = 0;
    }
}
