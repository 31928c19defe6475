package io.sluice.client;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import org.agrona.DirectBuffer;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.TYPE_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.VERSION;
import static io.sluice.core.protocol.FrameDescriptor.VERSION_OFFSET;

/**
 * The checks a {@link DirectPublication} makes of the headers the relay sends it: a check that fails answers false,
 * and {@link #errorCode()} and {@link #errorText()} then say which rule the frame broke, in the words of the ERROR
 * this side sends. A relay sends a publisher ACK, HEARTBEAT, CLOSE and ERROR only, so a frame is never longer than an
 * ERROR with the longest text. Flags are not looked at: none of these frames has any. One thread; allocates only
 * when a check fails.
 */
final class PublisherFrameCheck
{
    /** The longest frame a relay sends a publisher: an ERROR with the longest text. */
    static final int MAX_FRAME_LENGTH = ControlFrames.MAX_ERROR_FRAME_LENGTH;

    private ErrorCode errorCode;
    private String errorText;

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
     * The checks of a whole frame's header: its version, that a header-only type has no payload, and its type.
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
                return true;
            default:
                return refuse(FrameType.isKnown(type) ? ErrorCode.UNEXPECTED_FRAME : ErrorCode.UNKNOWN_TYPE,
                    FrameType.name(type) + " sent to a publisher");
        }
    }

    /**
     * @return the error code of the rule the last check that failed found broken; null while none failed.
     */
    ErrorCode errorCode()
    {
        return errorCode;
    }

    /**
     * @return what the last check that failed found wrong; null while none failed.
     */
    String errorText()
    {
        return errorText;
    }

    private boolean refuse(final ErrorCode code, final String text)
    {
        errorCode = code;
        errorText = text;
        return false;
    }
}
