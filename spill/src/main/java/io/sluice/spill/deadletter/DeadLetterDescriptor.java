package io.sluice.spill.deadletter;

import io.sluice.core.protocol.FrameDescriptor;

/**
 * Layout of one dead-letter record: a message a relay lane dropped, with why, when and on which stream. The same bytes
 * are the message in {@link DeadLetterStore}'s hand-off ring and the frame of the {@link io.sluice.spill.SpillStore}
 * record on disk, so the spill thread moves a record from one to the other with a single copy. Every integer is
 * big-endian, as in the frame it carries.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              Drop time, relay epoch nanoseconds (int64)       |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                       Reason code (int32)                     |  8
 *  +---------------+---------------+-------------------------------+
 *  |    Version    | Stream len N  |         Reserved (0)          | 12
 *  +---------------+---------------+-------------------------------+
 *  |      Stream name, N ASCII bytes, zero-padded to 8 bytes      ... 16
 *  +---------------------------------------------------------------+
 *  |      Frame exactly as received: 32-byte header + payload     ... F = 16 + align8(N)
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li>Drop time is the relay's clock ({@code EpochClock}) when the lane dropped the message; the frame keeps the
 *       publisher's own timestamp.</li>
 *   <li>Reason is the drop policy's code, the same codes a GAP frame carries (docs/protocol.md §3.5): {@link
 *       #REASON_DROP_NEWEST} to {@link #REASON_CUSTOM}; or a bridge's ({@link #REASON_BRIDGE_REJECTED},
 *       {@link #REASON_BRIDGE_TIMEOUT}), for a message a bridge could not deliver. Readers accept unknown codes.</li>
 *   <li>Version is {@link #VERSION}; a reader skips records of another version as damaged.</li>
 *   <li>The stream name is the one publishers named in HELLO (1..255 characters of {@code A-Z a-z 0-9 . _ -}): one
 *       store holds the dead letters of every stream of a relay, and stream ids are not stable across relay runs.</li>
 *   <li>The frame starts on an 8-byte boundary of the record so its 8-byte fields stay aligned; it is a whole DATA
 *       frame (see {@link FrameDescriptor}), its length field included. The record ends where the frame ends.</li>
 * </ul>
 */
public final class DeadLetterDescriptor
{
    /** Record format version. */
    public static final int VERSION = 1;

    public static final int DROP_TIME_OFFSET = 0;
    public static final int REASON_OFFSET = 8;
    public static final int VERSION_OFFSET = 12;
    public static final int STREAM_LENGTH_OFFSET = 13;
    public static final int RESERVED_OFFSET = 14;
    public static final int STREAM_OFFSET = 16;

    /** Longest stream name, as in HELLO. */
    public static final int MAX_STREAM_LENGTH = 255;

    /** Most bytes a record adds to its frame: the fixed fields and the longest padded stream name. */
    public static final int MAX_OVERHEAD = STREAM_OFFSET + 256;

    /** The incoming message was dropped because its lane was full. */
    public static final int REASON_DROP_NEWEST = 1;
    /** The oldest waiting message was evicted to make room. */
    public static final int REASON_DROP_OLDEST = 2;
    /** Replaced by a newer message with the same key. */
    public static final int REASON_LATEST_BY_KEY = 3;
    /** Not kept by one-in-N sampling under pressure. */
    public static final int REASON_SAMPLE = 4;
    /** Older than the stream's deadline when it would have been delivered. */
    public static final int REASON_DEADLINE = 5;
    /** Dropped by a user-supplied drop policy. */
    public static final int REASON_CUSTOM = 6;
    /** A bridge's target refused it for good (too large, not authorized, invalid); resending it as is will not help. */
    public static final int REASON_BRIDGE_REJECTED = 7;
    /** A bridge's target did not confirm it in time, or the bridge stopped first; it may or may not have arrived. */
    public static final int REASON_BRIDGE_TIMEOUT = 8;

    private static final String[] REASON_NAMES =
        {null, "drop-newest", "drop-oldest", "latest-by-key", "sample", "deadline", "custom", "bridge-rejected",
            "bridge-timeout"};

    private DeadLetterDescriptor()
    {
    }

    /**
     * @param streamLength stream name length in bytes.
     * @return offset of the frame in a record: the stream name padded to 8 bytes.
     */
    public static int frameOffset(final int streamLength)
    {
        return STREAM_OFFSET + ((streamLength + 7) & ~7);
    }

    /**
     * @param reason a reason code.
     * @return its name ({@code drop-newest}, ...), or {@code reason-<code>} for a code this build does not know.
     */
    public static String reasonName(final int reason)
    {
        return reason > 0 && reason < REASON_NAMES.length ? REASON_NAMES[reason] : "reason-" + reason;
    }

    /**
     * @param name a reason name as {@link #reasonName(int)} gives it, or a decimal code.
     * @return the code.
     * @throws IllegalArgumentException if the name is neither.
     */
    public static int reasonCode(final String name)
    {
        for (int code = 1; code < REASON_NAMES.length; code++)
        {
            if (REASON_NAMES[code].equalsIgnoreCase(name))
            {
                return code;
            }
        }
        final String digits = name.startsWith("reason-") ? name.substring("reason-".length()) : name;
        try
        {
            return Integer.parseInt(digits);
        }
        catch (final NumberFormatException e)
        {
            throw new IllegalArgumentException("unknown drop reason '" + name + "': expected one of drop-newest, "
                + "drop-oldest, latest-by-key, sample, deadline, custom, bridge-rejected, bridge-timeout, or a number");
        }
    }
}
