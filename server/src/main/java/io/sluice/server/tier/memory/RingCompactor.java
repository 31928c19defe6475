package io.sluice.server.tier.memory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.core.protocol.Header;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import static io.sluice.server.tier.memory.RingRecords.GAP_RECORD_BYTES;
import static io.sluice.server.tier.memory.RingRecords.MSG_FIRST;
import static io.sluice.server.tier.memory.RingRecords.MSG_GAP;
import static io.sluice.server.tier.memory.RingRecords.PADDING;
import static io.sluice.server.tier.memory.RingRecords.TOMBSTONE;

/**
 * Frees the bytes of tombstones in a memory tier's ring. Each run of tombstones and GAP records between two waiting
 * frames becomes one GAP record per source where the run's bytes hold them (a run too short for them stays as it
 * is), and the waiting records move up behind each other in their order. So every notice keeps its place, after the
 * older frames of its source and before the newer ones. O(bytes waiting): the caller compacts only once enough was
 * replaced.
 * <p>
 * Works under the ring's reader and writer, which are the same event loop: records move towards the consumer
 * position, over bytes already read, and the tail is then set back, as Agrona would have left it.
 * <p>
 * The GAP records a run becomes are stamped from the clock it is given (the relay's {@code EpochClock} in production),
 * so that a test can drive it by hand.
 */
final class RingCompactor
{
    private final RingBuffer ring;
    private final UnsafeBuffer memory;
    private final RingCounts counts;
    private final EpochNanoClock clock;
    private final int mask;
    private final int tailPositionIndex;
    // The notices of one run of tombstones and GAP records.
    private final GapTable run = new GapTable();
    private final Header runHeader = new Header();
    private final byte[] gapBytes = new byte[GapTable.GAP_FRAME_LENGTH];
    private final ByteBuf gapScratch = Unpooled.wrappedBuffer(gapBytes);
    private long junkKept;

    /**
     * @param ring the ring, over {@code memory}.
     * @param counts given the bytes of tombstones and GAP records left after each compaction.
     * @param clock  epoch nanoseconds, stamped into the GAP records written.
     */
    RingCompactor(final RingBuffer ring, final UnsafeBuffer memory, final RingCounts counts, final EpochNanoClock clock)
    {
        this.ring = ring;
        this.memory = memory;
        this.counts = counts;
        this.clock = clock;
        this.mask = ring.capacity() - 1;
        this.tailPositionIndex = ring.capacity() + RingBufferDescriptor.TAIL_POSITION_OFFSET;
    }

    /**
     * @param tombstoneReason the reason a tombstone's drop is announced under.
     * @param gate told where each waiting frame now starts ({@link TierGate#onMoved}).
     * @return bytes freed.
     */
    long compact(final int tombstoneReason, final TierGate gate)
    {
        final long tail = ring.producerPosition();
        long read = ring.consumerPosition();
        long write = read;
        long runStart = -1;
        junkKept = 0;
        while (read < tail)
        {
            final int index = (int)(read & mask);
            final int recordLength = memory.getInt(RingRecords.lengthOffset(index));
            final int type = memory.getInt(RingRecords.typeOffset(index));
            if (type == TOMBSTONE || type == MSG_GAP)
            {
                runStart = runStart < 0 ? read : runStart;
                collect(type, RingRecords.dataOffset(index), tombstoneReason);
            }
            else if (type != PADDING)
            {
                if (runStart >= 0)
                {
                    write = endRun(runStart, read, write);
                    runStart = -1;
                }
                write = move(read, write, recordLength);
                if (type == MSG_FIRST)
                {
                    final long position = write - RingRecords.alignedLength(recordLength);
                    gate.onMoved(memory, RingRecords.dataOffset((int)(position & mask)), position);
                }
            }
            read += RingRecords.alignedLength(recordLength);
        }
        if (runStart >= 0)
        {
            write = endRun(runStart, tail, write);
        }
        // As Agrona does after each record it claims: a zero header where the reader must stop.
        memory.putLong((int)(write & mask), 0L);
        memory.putLongOrdered(tailPositionIndex, write);
        counts.resetJunk(junkKept);
        return tail - write;
    }

    private void collect(final int type, final int index, final int tombstoneReason)
    {
        runHeader.wrap(memory, index);
        if (type == TOMBSTONE)
        {
            run.add(runHeader.streamId(), runHeader.sourceId(), runHeader.sequence(), tombstoneReason);
        }
        else
        {
            run.add(runHeader.streamId(), runHeader.sourceId(), runHeader.gapFromSequence(),
                runHeader.gapToSequence(), runHeader.gapDroppedCount(), runHeader.gapReason());
        }
    }

    // The notices of the run [runStart, runEnd) go at write: as one GAP record per source when they end by runEnd
    // (where the next waiting record starts), else as the run's records were. Returns where writing goes on.
    private long endRun(final long runStart, final long runEnd, final long write)
    {
        long end = write;
        for (int i = 0; i < run.size(); i++)
        {
            end = place(end, GAP_RECORD_BYTES, false) + GAP_RECORD_BYTES;
        }
        long position = write;
        if (end <= runEnd)
        {
            final long now = clock.nanoTime();
            while (!run.isEmpty())
            {
                position = place(position, GAP_RECORD_BYTES, true);
                final int index = (int)(position & mask);
                gapScratch.clear();
                run.writeLast(gapScratch, now);
                memory.putBytes(RingRecords.dataOffset(index), gapBytes, 0, gapBytes.length);
                memory.putInt(RingRecords.typeOffset(index), MSG_GAP);
                memory.putInt(RingRecords.lengthOffset(index), GapTable.GAP_FRAME_LENGTH + RingRecords.HEADER_LENGTH);
                position += GAP_RECORD_BYTES;
                junkKept += GAP_RECORD_BYTES;
            }
            return position;
        }
        run.clear();
        for (long read = runStart; read < runEnd; )
        {
            final int index = (int)(read & mask);
            final int recordLength = memory.getInt(RingRecords.lengthOffset(index));
            if (memory.getInt(RingRecords.typeOffset(index)) != PADDING)
            {
                position = move(read, position, recordLength);
                junkKept += RingRecords.alignedLength(recordLength);
            }
            read += RingRecords.alignedLength(recordLength);
        }
        return position;
    }

    // Moves the record at ring position from to write (write <= from, so the bytes it covers were read already);
    // returns the position after it.
    private long move(final long from, final long write, final int recordLength)
    {
        final int aligned = RingRecords.alignedLength(recordLength);
        final long position = place(write, aligned, true);
        if (position != from)
        {
            memory.putBytes((int)(position & mask), memory, (int)(from & mask), recordLength);
        }
        return position + aligned;
    }

    // Where a record of aligned bytes goes when written at position: there, or at the buffer's start after a padding
    // record (written when asked) to its end. A record that does not fit at write in the lap of its old place lies in
    // a later lap, so the padding covers bytes already read.
    private long place(final long position, final int aligned, final boolean write)
    {
        final int index = (int)(position & mask);
        final int toEnd = ring.capacity() - index;
        if (aligned <= toEnd)
        {
            return position;
        }
        if (write)
        {
            memory.putInt(RingRecords.typeOffset(index), PADDING);
            memory.putInt(RingRecords.lengthOffset(index), toEnd);
        }
        return position + toEnd;
    }
}
