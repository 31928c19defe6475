package io.sluice.spill;

import java.nio.ByteOrder;

/**
 * Layout of one {@link SpillStore} record: the body of one Chronicle Queue document, a frame behind its logical offset
 * and checksum. Chronicle puts a 4-byte document header in front (its length; the top two bits, not-complete and
 * meta-data, are clear for a complete data document) and starts the next document at the next 4-byte boundary.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Chronicle document header (int32, native order)       | -4
 *  +---------------------------------------------------------------+
 *  |                  Logical offset (int64, LE)                   |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      Checksum (int32, LE)                     |  8
 *  +---------------------------------------------------------------+
 *  |                 Frame, as appended (0 or more bytes)         ... 12
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li>Logical offset: the frame's first byte in the store's endless byte stream, the sum of the lengths of every
 *       frame appended before it. It survives restarts, so the backlog in bytes is the append end minus the offset of
 *       the next record; a record that starts beyond the end of the last one read follows bytes lost to damage.</li>
 *   <li>Checksum: {@link RecordChecksum} over the frame, seeded with the logical offset, so a record copied to the
 *       wrong place fails too.</li>
 * </ul>
 * Offsets are from the start of the record (after Chronicle's document header). Public for the readers of other
 * packages that check records themselves ({@code io.sluice.spill.deadletter.DeadLetterReader}).
 */
public final class SpillRecordDescriptor
{
    /** Byte order of the logical offset and the checksum. */
    public static final ByteOrder BYTE_ORDER = ByteOrder.LITTLE_ENDIAN;

    public static final int LOGICAL_OFFSET_OFFSET = 0;
    public static final int CHECKSUM_OFFSET = 8;
    public static final int FRAME_OFFSET = 12;

    /** Bytes a record stores before the frame. */
    public static final int HEADER_LENGTH = FRAME_OFFSET;

    /** Chronicle's header in front of every document; documents start on multiples of it. */
    static final int DOCUMENT_HEADER_LENGTH = 4;

    private SpillRecordDescriptor()
    {
    }

    /**
     * @param frameLength bytes of the frame.
     * @return bytes the record's document takes in a cycle file: Chronicle's header, the record, padding to 4 bytes.
     */
    static long documentLength(final int frameLength)
    {
        return align((long)DOCUMENT_HEADER_LENGTH + HEADER_LENGTH + frameLength);
    }

    /**
     * @param position a position in a cycle file.
     * @return the first document boundary at or after {@code position}.
     */
    static long align(final long position)
    {
        return (position + DOCUMENT_HEADER_LENGTH - 1) & ~(DOCUMENT_HEADER_LENGTH - 1L);
    }
}
