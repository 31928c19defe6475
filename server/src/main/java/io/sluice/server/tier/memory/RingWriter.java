package io.sluice.server.tier.memory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.core.netty.ByteBufView;
import io.sluice.core.protocol.FrameDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import static io.sluice.server.tier.memory.RingRecords.HEADER_LENGTH;
import static io.sluice.server.tier.memory.RingRecords.MSG_FIRST;
import static io.sluice.server.tier.memory.RingRecords.MSG_GAP;
import static io.sluice.server.tier.memory.RingRecords.MSG_MORE;
import static io.sluice.server.tier.memory.RingRecords.TOMBSTONE;

/**
 * Writes into a memory tier's ring: whole frames (a frame larger than a record as {@link RingRecords#MSG_MORE}
 * fragments after its first, stored whole or not at all), GAP frames, and tombstones over replaced frames. The
 * ring's own claim decides whether a record fits; {@link #fits} answers the same question without writing.
 * Event loop only; copies from the source's memory through a reused view, allocating nothing per frame.
 */
final class RingWriter
{
    private static final long NONE = -1;

    private final RingBuffer ring;
    private final UnsafeBuffer memory;
    private final RingCounts counts;
    private final int mask;
    private final int maxRecord;
    private final ByteBufView source = new ByteBufView();
    private final byte[] gapBytes = new byte[GapTable.GAP_FRAME_LENGTH];
    private final ByteBuf gapScratch = Unpooled.wrappedBuffer(gapBytes);
    /** Index of the data of the last frame's first record. */
    private int lastClaim;
    /** The last GAP record stored, and the producer position right after it; {@link #NONE} before the first. */
    private long lastGapPosition = NONE;
    private long tailAfterLastGap = NONE;

    /**
     * @param ring the ring, over {@code memory}.
     * @param counts counts each message stored or replaced, and the bytes of GAP records and tombstones.
     */
    RingWriter(final RingBuffer ring, final UnsafeBuffer memory, final RingCounts counts)
    {
        this.ring = ring;
        this.memory = memory;
        this.counts = counts;
        this.mask = ring.capacity() - 1;
        this.maxRecord = ring.maxMsgLength();
    }

    /** @return whether a frame of {@code frameLength} bytes would be stored now. */
    boolean fits(final int frameLength)
    {
        final long free = ring.capacity() - ring.size();
        if (frameLength > maxRecord)
        {
            return free >= fragmentedBytes(frameLength);
        }
        // As Agrona claims: the record, the next record's header, and no split at the end of the buffer.
        final int required = RingRecords.recordBytes(frameLength) + HEADER_LENGTH;
        if (required > free)
        {
            return false;
        }
        final int tailIndex = (int)(ring.producerPosition() & mask);
        return required <= ring.capacity() - tailIndex || required <= (int)(ring.consumerPosition() & mask);
    }

    /**
     * Stores whole frames from {@code src[from, to)} for as long as they fit.
     *
     * @return the index after the last frame stored: {@code to} when all fitted.
     */
    int offerFrames(final ByteBuf src, final int from, final int to)
    {
        int index = from;
        while (index < to)
        {
            final int frameLength = src.getInt(index + FrameDescriptor.LENGTH_OFFSET);
            if (!offerFrame(src, index, frameLength))
            {
                break;
            }
            index += frameLength;
        }
        return index;
    }

    /**
     * Stores one whole frame.
     *
     * @return the ring position of its (first) record, or -1 when it does not fit.
     */
    long offerOne(final ByteBuf src, final int index, final int frameLength)
    {
        final long before = ring.producerPosition();
        if (!offerFrame(src, index, frameLength))
        {
            return -1;
        }
        // The record starts where the producer was, or at 0 when the claim wrapped past padding.
        return positionOf(before, lastClaim - HEADER_LENGTH);
    }

    /**
     * Stores the last entry of {@code gaps} as a GAP frame and removes it from the table; merges it into the GAP record
     * at the tail instead when nothing was stored after that one and it still waits, so that arriving messages dropped
     * while the tier is full cost one notice, not one each.
     *
     * @return false, leaving the table as it was, when it does not fit.
     */
    boolean offerGap(final GapTable gaps, final long timestampNanos)
    {
        if (lastGapPosition >= ring.consumerPosition() && ring.producerPosition() == tailAfterLastGap
            && gaps.mergeLastInto(memory, RingRecords.dataOffset((int)(lastGapPosition & mask))))
        {
            return true;
        }
        final long before = ring.producerPosition();
        final int claim = ring.tryClaim(MSG_GAP, gapBytes.length);
        if (claim < 0)
        {
            return false;
        }
        gapScratch.clear();
        gaps.writeLast(gapScratch, timestampNanos);
        memory.putBytes(claim, gapBytes, 0, gapBytes.length);
        ring.commit(claim);
        counts.addJunk(RingRecords.GAP_RECORD_BYTES);
        lastGapPosition = positionOf(before, claim - HEADER_LENGTH);
        tailAfterLastGap = ring.producerPosition();
        return true;
    }

    /** Records moved (compaction): the last GAP record is no longer where it was, so nothing merges into it. */
    void forgetLastGap()
    {
        lastGapPosition = NONE;
        tailAfterLastGap = NONE;
    }

    /**
     * Turns the waiting frame whose record starts at ring {@code position} into a tombstone where it lies, telling
     * {@code gate} of it first.
     */
    void replace(final long position, final TierGate gate)
    {
        final int recordIndex = (int)(position & mask);
        gate.onReplaced(memory, RingRecords.dataOffset(recordIndex));
        memory.putInt(RingRecords.typeOffset(recordIndex), TOMBSTONE);
        counts.addJunk(RingRecords.alignedLength(memory.getInt(RingRecords.lengthOffset(recordIndex))));
        counts.onRemoved();
    }

    /** @return the largest record: a longer frame is stored as fragments. */
    int maxRecord()
    {
        return maxRecord;
    }

    // The ring position of the record at recordIndex, claimed when the producer was at before: there, or past the
    // padding at the end of the buffer.
    private long positionOf(final long before, final int recordIndex)
    {
        return before + ((recordIndex - (int)(before & mask)) & mask);
    }

    private boolean offerFrame(final ByteBuf src, final int index, final int frameLength)
    {
        if (frameLength <= maxRecord)
        {
            final int claim = ring.tryClaim(MSG_FIRST, frameLength);
            if (claim < 0)
            {
                return false;
            }
            memory.putBytes(claim, source.wrap(src), index, frameLength);
            ring.commit(claim);
            counts.onStored();
            lastClaim = claim;
            return true;
        }
        // Fragmented: make sure every fragment fits before writing the first.
        if (ring.capacity() - ring.size() < fragmentedBytes(frameLength))
        {
            return false;
        }
        int offset = 0;
        int type = MSG_FIRST;
        while (offset < frameLength)
        {
            final int length = Math.min(maxRecord, frameLength - offset);
            final int claim = ring.tryClaim(type, length);
            if (claim < 0)
            {
                throw new IllegalStateException("memory tier refused a fragment after reserving room for the frame");
            }
            if (type == MSG_FIRST)
            {
                lastClaim = claim;
            }
            memory.putBytes(claim, source.wrap(src), index + offset, length);
            ring.commit(claim);
            offset += length;
            type = MSG_MORE;
        }
        counts.onStored();
        return true;
    }

    // Room a fragmented frame needs: every fragment at the largest size, and one wrap's padding.
    private long fragmentedBytes(final int frameLength)
    {
        final int fragments = (frameLength + maxRecord - 1) / maxRecord;
        return (long)fragments * RingRecords.recordBytes(maxRecord) + maxRecord + HEADER_LENGTH;
    }
}
