package io.sluice.spill;

import net.openhft.chronicle.bytes.Bytes;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static io.sluice.spill.SpillRecordDescriptor.BYTE_ORDER;
import static io.sluice.spill.SpillRecordDescriptor.CHECKSUM_OFFSET;
import static io.sluice.spill.SpillRecordDescriptor.FRAME_OFFSET;
import static io.sluice.spill.SpillRecordDescriptor.HEADER_LENGTH;
import static io.sluice.spill.SpillRecordDescriptor.LOGICAL_OFFSET_OFFSET;

/**
 * A flyweight over one record in a Chronicle document (laid out as {@link SpillRecordDescriptor} draws it), checking
 * it before anything is delivered: a plausible length, then the checksum over the frame seeded with the logical
 * offset. The bytes are Chronicle's mapping, valid while the document is open. Owner thread only; no allocation.
 */
final class RecordView
{
    private final int maxRecordLength;
    private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
    private long logicalOffset = SpillPositions.UNSET;
    private int frameLength;

    /**
     * @param maxRecordLength the longest record the store holds.
     */
    RecordView(final int maxRecordLength)
    {
        this.maxRecordLength = maxRecordLength;
    }

    /**
     * Wraps the record at a document's read position and checks it. Chronicle may throw on damaged bytes; then the
     * view keeps no logical offset.
     *
     * @param bytes a document's bytes, at its record.
     * @return whether the record is whole: its length plausible and its checksum right.
     */
    boolean wrap(final Bytes<?> bytes)
    {
        logicalOffset = SpillPositions.UNSET;
        frameLength = 0;
        final long length = bytes.readRemaining();
        if (length < HEADER_LENGTH || length > maxRecordLength)
        {
            return false;
        }
        buffer.wrap(bytes.addressForRead(bytes.readPosition(), (int)length), (int)length);
        logicalOffset = buffer.getLong(LOGICAL_OFFSET_OFFSET, BYTE_ORDER);
        frameLength = (int)length - HEADER_LENGTH;
        return buffer.getInt(CHECKSUM_OFFSET, BYTE_ORDER)
            == RecordChecksum.compute(buffer, FRAME_OFFSET, frameLength, logicalOffset);
    }

    /** Forgets the logical offset, after Chronicle failed while the record was read. */
    void clear()
    {
        logicalOffset = SpillPositions.UNSET;
    }

    /** @return the logical offset the record stores (even if its checksum failed), or {@link SpillPositions#UNSET}. */
    long logicalOffset()
    {
        return logicalOffset;
    }

    /** @return the length of the record's frame. */
    int frameLength()
    {
        return frameLength;
    }

    /** @return the record's bytes; the frame starts at {@link #frameOffset()}. */
    DirectBuffer buffer()
    {
        return buffer;
    }

    /** @return where the frame starts in {@link #buffer()}. */
    int frameOffset()
    {
        return FRAME_OFFSET;
    }
}
