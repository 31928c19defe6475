package io.sluice.server.tier.memory;

import io.netty.buffer.ByteBuf;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.Frames;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Drops not yet reported to a subscriber, one entry per source and reason: the first and last dropped sequence and
 * how many. Each entry becomes one GAP frame. Drops of one source and reason between two delivered messages merge
 * into one entry, so a burst of drops costs one GAP frame, not one per message.
 * <p>
 * Used by one lane's event loop alone. Arrays grow only when a new source drops for the first time; adding a drop
 * allocates nothing.
 */
public final class GapTable
{
    /** Bytes of one GAP frame. */
    public static final int GAP_FRAME_LENGTH = FrameDescriptor.HEADER_LENGTH + Frames.GAP_PAYLOAD_LENGTH;

    private int size;
    private int[] streamIds = new int[4];
    private int[] sourceIds = new int[4];
    private int[] reasons = new int[4];
    private long[] fromSequences = new long[4];
    private long[] toSequences = new long[4];
    private long[] counts = new long[4];

    /** Records one dropped message. */
    public void add(final int streamId, final int sourceId, final long sequence, final int reason)
    {
        add(streamId, sourceId, sequence, sequence, 1, reason);
    }

    /** Records {@code count} dropped messages with sequences within {@code [from, to]}. */
    public void add(
        final int streamId, final int sourceId, final long from, final long to, final long count, final int reason)
    {
        for (int i = 0; i < size; i++)
        {
            if (sourceIds[i] == sourceId && reasons[i] == reason && streamIds[i] == streamId)
            {
                fromSequences[i] = Math.min(fromSequences[i], from);
                toSequences[i] = Math.max(toSequences[i], to);
                counts[i] += count;
                return;
            }
        }
        if (size == sourceIds.length)
        {
            grow();
        }
        streamIds[size] = streamId;
        sourceIds[size] = sourceId;
        reasons[size] = reason;
        fromSequences[size] = from;
        toSequences[size] = to;
        counts[size] = count;
        size++;
    }

    public boolean isEmpty()
    {
        return size == 0;
    }

    /** @return bytes of the GAP frames {@link #writeAll} would write. */
    public int frameBytes()
    {
        return size * GAP_FRAME_LENGTH;
    }

    /** @return entries, one GAP frame each. */
    public int size()
    {
        return size;
    }

    /** Writes one GAP frame per entry at {@code out}'s writer index; the entries stay until {@link #clear()}. */
    public void writeAll(final ByteBuf out, final long timestampNanos)
    {
        for (int i = 0; i < size; i++)
        {
            Frames.writeGap(out, streamIds[i], sourceIds[i], fromSequences[i], toSequences[i], counts[i], reasons[i],
                timestampNanos);
        }
    }

    /** Forgets every entry (once their GAP frames are written). */
    public void clear()
    {
        size = 0;
    }

    /**
     * Merges the last entry into the GAP frame at {@code index} of {@code frames} when both are of the same stream,
     * source and reason (the range widens, the counts add up, the header's sequence follows the from-sequence), and
     * forgets the entry.
     *
     * @return whether it merged; false leaves the entry and the frame as they were.
     */
    boolean mergeLastInto(final MutableDirectBuffer frames, final int index)
    {
        final int i = size - 1;
        if (i < 0
            || frames.getInt(index + FrameDescriptor.STREAM_ID_OFFSET, ByteOrder.BIG_ENDIAN) != streamIds[i]
            || frames.getInt(index + FrameDescriptor.SOURCE_ID_OFFSET, ByteOrder.BIG_ENDIAN) != sourceIds[i]
            || frames.getInt(index + FrameDescriptor.GAP_REASON_OFFSET, ByteOrder.BIG_ENDIAN) != reasons[i])
        {
            return false;
        }
        final int from = index + FrameDescriptor.GAP_FROM_SEQUENCE_OFFSET;
        final int to = index + FrameDescriptor.GAP_TO_SEQUENCE_OFFSET;
        final int count = index + FrameDescriptor.GAP_DROPPED_COUNT_OFFSET;
        final long fromSequence = Math.min(frames.getLong(from, ByteOrder.BIG_ENDIAN), fromSequences[i]);
        frames.putLong(from, fromSequence, ByteOrder.BIG_ENDIAN);
        // protocol.md 3.5: the header's sequence is the from-sequence.
        frames.putLong(index + FrameDescriptor.SEQUENCE_OFFSET, fromSequence, ByteOrder.BIG_ENDIAN);
        frames.putLong(to, Math.max(frames.getLong(to, ByteOrder.BIG_ENDIAN), toSequences[i]), ByteOrder.BIG_ENDIAN);
        frames.putLong(count, frames.getLong(count, ByteOrder.BIG_ENDIAN) + counts[i], ByteOrder.BIG_ENDIAN);
        size = i;
        return true;
    }

    /** Writes the last entry's GAP frame at {@code out}'s writer index and forgets it. */
    void writeLast(final ByteBuf out, final long timestampNanos)
    {
        final int i = size - 1;
        Frames.writeGap(out, streamIds[i], sourceIds[i], fromSequences[i], toSequences[i], counts[i], reasons[i],
            timestampNanos);
        size = i;
    }

    private void grow()
    {
        final int capacity = sourceIds.length * 2;
        streamIds = java.util.Arrays.copyOf(streamIds, capacity);
        sourceIds = java.util.Arrays.copyOf(sourceIds, capacity);
        reasons = java.util.Arrays.copyOf(reasons, capacity);
        fromSequences = java.util.Arrays.copyOf(fromSequences, capacity);
        toSequences = java.util.Arrays.copyOf(toSequences, capacity);
        counts = java.util.Arrays.copyOf(counts, capacity);
    }
}
