package io.sluice.client;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

import static io.sluice.core.protocol.FrameDescriptor.FLAGS_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.FLAG_KEYED;
import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.KEY_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.TYPE_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.VERSION;
import static io.sluice.core.protocol.FrameDescriptor.VERSION_OFFSET;

/**
 * The checks a {@link DirectSubscription} makes of the headers the relay sends, those a subscriber's
 * {@link io.sluice.core.protocol.FrameDecoder} makes: a check that fails answers false, and {@link #errorCode()} and
 * {@link #errorText()} then say which rule the frame broke, in the words of the ERROR this side sends. For the frames
 * that are not a well-formed DATA frame (the subscription tells those by one load), so not on the hot path. One
 * thread.
 */
final class SubscriberFrameCheck extends FrameCheck
{
    private final int maxFrameLength;

    /**
     * @param maxFrameLength the largest frame the relay may send, header included, as its WELCOME announced.
     */
    SubscriberFrameCheck(final int maxFrameLength)
    {
        this.maxFrameLength = maxFrameLength;
    }

    /**
     * The check to make as soon as a frame's 4 length bytes are here: one longer than the WELCOME's maximum would
     * never fit.
     *
     * @param frameLength the frame's length field.
     * @return whether it is within the maximum.
     */
    boolean checkLength(final int frameLength)
    {
        if (frameLength > maxFrameLength || frameLength < 0)
        {
            return refuse(ErrorCode.FRAME_TOO_LARGE, "frame length " + Integer.toUnsignedString(frameLength) +
                " exceeds the maximum of " + maxFrameLength);
        }
        return true;
    }

    /**
     * The checks of a whole header: its length, version, type, flags, and the least length of its type.
     *
     * @param buffer      where the header lies.
     * @param index       where it starts.
     * @param frameLength its length field, within the maximum.
     * @return whether a subscriber may be sent the frame.
     */
    boolean checkHeader(final DirectBuffer buffer, final int index, final int frameLength)
    {
        if (frameLength < HEADER_LENGTH)
        {
            return refuse(ErrorCode.FRAME_TOO_SMALL,
                "frame length " + frameLength + " is below the header length " + HEADER_LENGTH);
        }
        final int version = buffer.getByte(index + VERSION_OFFSET) & 0xFF;
        if (version != VERSION)
        {
            return refuse(ErrorCode.UNSUPPORTED_VERSION,
                "protocol version " + version + " is not supported (this client speaks " + VERSION + ")");
        }
        final int type = buffer.getByte(index + TYPE_OFFSET) & 0xFF;
        if (!FrameType.isKnown(type))
        {
            return refuse(ErrorCode.UNKNOWN_TYPE, "frame type " + type + " is not defined");
        }
        if (FrameType.isHeaderOnly(type) && frameLength != HEADER_LENGTH)
        {
            return refuse(ErrorCode.FRAME_TOO_LARGE, FrameType.name(type) + " frame length " + frameLength +
                " exceeds the maximum of " + HEADER_LENGTH + ": a " + FrameType.name(type) + " has no payload");
        }
        final int flags = buffer.getShort(index + FLAGS_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (flags != 0)
        {
            if (!checkFlags(flags, type))
            {
                return false;
            }
            if ((flags & FLAG_KEYED) != 0 && frameLength < HEADER_LENGTH + KEY_LENGTH)
            {
                return refuse(ErrorCode.BAD_FLAGS, "KEYED DATA frame has no room for its 8-byte key");
            }
        }
        if (type == FrameType.GAP && frameLength < HEADER_LENGTH + Frames.GAP_PAYLOAD_LENGTH)
        {
            return refuse(ErrorCode.FRAME_TOO_SMALL, "GAP frame length " + frameLength + " is below " +
                (HEADER_LENGTH + Frames.GAP_PAYLOAD_LENGTH));
        }
        return true;
    }
}
