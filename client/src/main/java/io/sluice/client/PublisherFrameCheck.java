package io.sluice.client;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

import static io.sluice.core.protocol.FrameDescriptor.FLAGS_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.TYPE_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.VERSION;
import static io.sluice.core.protocol.FrameDescriptor.VERSION_OFFSET;

/**
 * The checks a {@link DirectPublication} makes of the headers the relay sends it: a check that fails answers false,
 * and {@link #errorCode()} and {@link #errorText()} then say which rule the frame broke, in the words of the ERROR
 * this side sends. A relay sends a publisher ACK, HEARTBEAT, CLOSE and ERROR only, so a frame is never longer than an
 * ERROR with the longest text, and none of them has a flag set (the flag rules are every reader's,
 * {@link io.sluice.core.protocol.FlagRules}). One thread; allocates only when a check fails.
 */
final class PublisherFrameCheck extends FrameCheck
{
    /** The longest frame a relay sends a publisher: an ERROR with the longest text. */
    static final int MAX_FRAME_LENGTH = ControlFrames.MAX_ERROR_FRAME_LENGTH;

    /**
     * The check to make once a frame's header is here, before the rest of it is waited for.
     *
     * @param frameLength the frame's length field.
     * @return whether it is a header at least and at most {@link #MAX_FRAME_LENGTH}.
     */
    boolean checkLength(final int frameLength)
    {
        if (frameLength < HEADER_LENGTH || frameLength > MAX_FRAME_LENGTH)
        {
            return refuse(frameLength < HEADER_LENGTH ? ErrorCode.FRAME_TOO_SMALL : ErrorCode.FRAME_TOO_LARGE,
                "frame of " + frameLength + " bytes from the relay");
        }
        return true;
    }

    /**
     * The checks of a whole frame's header: its version, that a header-only type has no payload, its type, and that
     * no flag is set.
     *
     * @param buffer      where the frame lies.
     * @param index       where it starts.
     * @param frameLength its length field, passed by {@link #checkLength}.
     * @return whether a publisher may be sent the frame.
     */
    boolean checkHeader(final DirectBuffer buffer, final int index, final int frameLength)
    {
        final int version = buffer.getByte(index + VERSION_OFFSET) & 0xFF;
        if (version != VERSION)
        {
            return refuse(ErrorCode.UNSUPPORTED_VERSION, "version " + version + " from the relay");
        }
        final int type = buffer.getByte(index + TYPE_OFFSET) & 0xFF;
        if (FrameType.isHeaderOnly(type) && frameLength != HEADER_LENGTH)
        {
            return refuse(ErrorCode.FRAME_TOO_LARGE, FrameType.name(type) + " of " + frameLength + " bytes");
        }
        switch (type)
        {
            case FrameType.ACK:
            case FrameType.HEARTBEAT:
            case FrameType.CLOSE:
            case FrameType.ERROR:
                return checkFlags(buffer.getShort(index + FLAGS_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF, type);
            default:
                return refuse(FrameType.isKnown(type) ? ErrorCode.UNEXPECTED_FRAME : ErrorCode.UNKNOWN_TYPE,
                    FrameType.name(type) + " sent to a publisher");
        }
    }
}
