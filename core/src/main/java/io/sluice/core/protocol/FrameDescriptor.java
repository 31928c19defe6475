package io.sluice.core.protocol;

/**
 * Layout of a Sluice frame on the wire. Every integer is big-endian (network byte order).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                      Frame Length (int32)                     |  0
 *  +---------------+---------------+-------------------------------+
 *  |    Version    |     Type      |            Flags              |  4
 *  +---------------+---------------+-------------------------------+
 *  |                       Stream Id (int32)                       |  8
 *  +---------------------------------------------------------------+
 *  |                       Source Id (int32)                       | 12
 *  +---------------------------------------------------------------+
 *  |                       Sequence (int64)                        | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                Timestamp, epoch nanoseconds (int64)           | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      Payload (0 or more bytes)               ... 32
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li>Frame Length counts the whole frame, this field included: {@code HEADER_LENGTH + payload}.
 *       It is never below {@link #HEADER_LENGTH} and never above the receiver's maximum.</li>
 *   <li>Version is {@link #VERSION}. Type is one of {@link FrameType}. Flags are bits of {@link #FLAG_KEYED}
 *       and friends; unknown bits must be zero.</li>
 *   <li>Stream Id is the id the relay assigned to the stream in its WELCOME; 0 in HELLO.</li>
 *   <li>Source Id identifies the publishing connection (assigned in WELCOME); sequence numbers are
 *       per source, start at 0 and increase by one per DATA frame.</li>
 * </ul>
 * The 8-byte fields sit on 8-byte boundaries so that a frame copied to an aligned buffer can be read
 * with aligned loads.
 */
public final class FrameDescriptor
{
    /** The protocol version this build speaks. */
    public static final int VERSION = 1;

    public static final int LENGTH_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int TYPE_OFFSET = 5;
    public static final int FLAGS_OFFSET = 6;
    public static final int STREAM_ID_OFFSET = 8;
    public static final int SOURCE_ID_OFFSET = 12;
    public static final int SEQUENCE_OFFSET = 16;
    public static final int TIMESTAMP_OFFSET = 24;

    /** Bytes before the payload. */
    public static final int HEADER_LENGTH = 32;

    /** Default upper bound on a frame, header included: 1 MiB. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 1024 * 1024;

    /**
     * DATA flag: the first {@link #KEY_LENGTH} bytes of the payload are a big-endian int64 key used by
     * key-aware drop policies (latest-by-key). The key remains part of the payload the subscriber sees.
     */
    public static final int FLAG_KEYED = 0x1;

    /** Length of the key at the start of a keyed DATA payload. */
    public static final int KEY_LENGTH = 8;

    /**
     * DATA and GAP flag, relay to an acknowledging subscriber only: the frame was sent on an earlier connection of the
     * subscription and not acknowledged, so the subscriber may have processed it already. The only bit the relay
     * changes in a publisher's frame; a publisher must not set it.
     */
    public static final int FLAG_REDELIVERED = 0x2;

    /** Every flag bit a publisher may set. */
    public static final int KNOWN_FLAGS = FLAG_KEYED;
    /** Every flag bit a relay may set on what it sends to a subscriber. */
    public static final int RELAY_FLAGS = FLAG_KEYED | FLAG_REDELIVERED;

    /*
     * GAP payload, after the header (all big-endian):
     *   +0  first dropped sequence (int64)   +8  last dropped sequence, inclusive (int64)
     *   +16 dropped count (int64)            +24 reason code (int32)              +28 zero (int32)
     * Offsets below are from the start of the frame.
     */
    /** GAP: first dropped sequence. */
    public static final int GAP_FROM_SEQUENCE_OFFSET = HEADER_LENGTH;
    /** GAP: last dropped sequence, inclusive. */
    public static final int GAP_TO_SEQUENCE_OFFSET = HEADER_LENGTH + 8;
    /** GAP: how many messages were dropped. */
    public static final int GAP_DROPPED_COUNT_OFFSET = HEADER_LENGTH + 16;
    /** GAP: the reason code. */
    public static final int GAP_REASON_OFFSET = HEADER_LENGTH + 24;

    private FrameDescriptor()
    {
    }
}
