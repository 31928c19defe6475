package io.sluice.server.tier.memory;

import io.sluice.core.protocol.FrameDescriptor;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.nio.ByteOrder;

/**
 * Layout of one record in a {@link MemoryTier}'s ring: Agrona's record header, then the bytes the lane stored. The
 * header is Agrona's (native byte order); the data is a frame, or part of one, exactly as received (big-endian).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            Record length, header included (int32)             |  0
 *  +---------------------------------------------------------------+
 *  |                          Type (int32)                         |  4
 *  +---------------------------------------------------------------+
 *  |   Data: a frame, a fragment of one, or a GAP frame           ...  8
 *  +---------------------------------------------------------------+
 *  |   Zero to seven bytes to the next 8-byte boundary            ...
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li>{@link #MSG_FIRST}: a frame's first (or only) bytes. Agrona caps a record at an eighth of the ring, so a
 *       larger frame continues in {@link #MSG_MORE} records right after it; the ring is read out as a byte stream,
 *       so fragments need no reassembly.</li>
 *   <li>{@link #MSG_GAP}: a GAP frame the lane wrote; delivered like a frame, not counted as a message.</li>
 *   <li>{@link #TOMBSTONE}: a message conflation replaced where it lies; skipped on the way out, where its drop is
 *       announced.</li>
 *   <li>{@link #PADDING}: Agrona's filler from the last record to the end of the buffer before a wrap.</li>
 * </ul>
 * A record's position in the ring is its ring position masked by the capacity; the next record starts
 * {@link #alignedLength} bytes later.
 */
final class RingRecords
{
    /** Record length, header included, not aligned. */
    static final int LENGTH_OFFSET = 0;
    /** Record type, one of the constants below. */
    static final int TYPE_OFFSET = 4;
    /** Where the stored bytes start. */
    static final int DATA_OFFSET = RecordDescriptor.HEADER_LENGTH;
    /** Agrona's record header. */
    static final int HEADER_LENGTH = RecordDescriptor.HEADER_LENGTH;
    /** Agrona's record alignment. */
    static final int ALIGNMENT = RecordDescriptor.ALIGNMENT;

    /** Record holding a frame's first (or only) bytes. */
    static final int MSG_FIRST = 1;
    /** Record continuing the frame before it. */
    static final int MSG_MORE = 2;
    /** Record holding a GAP frame the lane wrote: delivered like a frame, not counted as a message. */
    static final int MSG_GAP = 3;
    /** Record of a message replaced by a newer one with the same key: skipped on the way out. */
    static final int TOMBSTONE = 4;
    /** Agrona's type of the record that pads to the end of the buffer before a wrap. */
    static final int PADDING = RingBuffer.PADDING_MSG_TYPE_ID;

    /** Ring bytes of a stored GAP frame. */
    static final int GAP_RECORD_BYTES = recordBytes(GapTable.GAP_FRAME_LENGTH);

    private RingRecords()
    {
    }

    /** @return offset of the length of the record at {@code recordIndex}. */
    static int lengthOffset(final int recordIndex)
    {
        return recordIndex + LENGTH_OFFSET;
    }

    /** @return offset of the type of the record at {@code recordIndex}. */
    static int typeOffset(final int recordIndex)
    {
        return recordIndex + TYPE_OFFSET;
    }

    /** @return offset of the data of the record at {@code recordIndex}. */
    static int dataOffset(final int recordIndex)
    {
        return recordIndex + DATA_OFFSET;
    }

    /** @return ring bytes a record of {@code recordLength} (header included) takes: to the next record. */
    static int alignedLength(final int recordLength)
    {
        return BitUtil.align(recordLength, ALIGNMENT);
    }

    /** @return ring bytes a record holding {@code dataLength} bytes takes. */
    static int recordBytes(final int dataLength)
    {
        return alignedLength(dataLength + HEADER_LENGTH);
    }

    /**
     * @return whether the record at {@code recordIndex} holds a whole frame (not fragmented, not replaced) whose
     * message key is {@code key}.
     */
    static boolean holdsWholeFrame(final DirectBuffer ring, final int recordIndex, final long key)
    {
        final int dataIndex = dataOffset(recordIndex);
        return ring.getInt(typeOffset(recordIndex)) == MSG_FIRST
            && ring.getInt(dataIndex + FrameDescriptor.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN)
                == ring.getInt(lengthOffset(recordIndex)) - HEADER_LENGTH
            && ring.getLong(dataIndex + FrameDescriptor.HEADER_LENGTH, ByteOrder.BIG_ENDIAN) == key;
    }
}
