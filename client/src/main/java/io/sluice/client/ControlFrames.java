package io.sluice.client;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.util.EpochClock;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;

/**
 * The control frames a direct client writes into the buffer its socket is written from (HEARTBEAT, CLOSE, ERROR),
 * and the relay's ERROR it reads where the frame lies: code and text, the text read leniently (protocol.md §3.6).
 */
final class ControlFrames
{
    /** Bytes of an ERROR frame before its text: the header, the code (int32) and the text length (uint16). */
    static final int ERROR_TEXT_OFFSET = HEADER_LENGTH + 6;
    /** The longest ERROR frame: the one with the longest text. */
    static final int MAX_ERROR_FRAME_LENGTH = ERROR_TEXT_OFFSET + Frames.MAX_ERROR_TEXT_LENGTH;

    private ControlFrames()
    {
    }

    /**
     * Writes a frame that is a header only, with no stream, source or sequence, stamped now.
     *
     * @return its length, {@link io.sluice.core.protocol.FrameDescriptor#HEADER_LENGTH}.
     */
    static int putEmpty(final MutableDirectBuffer buffer, final int index, final int type)
    {
        Frames.putHeader(buffer, index, HEADER_LENGTH, type, 0, 0, 0, 0L, EpochClock.nanos());
        return HEADER_LENGTH;
    }

    /**
     * @return the length of the ERROR frame {@link #putError} writes for a text of {@code textBytes} bytes.
     */
    static int errorLength(final byte[] textBytes)
    {
        return ERROR_TEXT_OFFSET + Math.min(textBytes.length, Frames.MAX_ERROR_TEXT_LENGTH);
    }

    /**
     * Writes an ERROR frame, its text cut at {@link Frames#MAX_ERROR_TEXT_LENGTH} bytes.
     *
     * @return its length, {@link #errorLength(byte[])}.
     */
    static int putError(final MutableDirectBuffer buffer, final int index, final ErrorCode code,
        final byte[] textBytes)
    {
        final int length = errorLength(textBytes);
        final int textLength = length - ERROR_TEXT_OFFSET;
        Frames.putHeader(buffer, index, length, FrameType.ERROR, 0, 0, 0, 0L, EpochClock.nanos());
        buffer.putInt(index + HEADER_LENGTH, code.code(), ByteOrder.BIG_ENDIAN);
        buffer.putShort(index + HEADER_LENGTH + 4, (short)textLength, ByteOrder.BIG_ENDIAN);
        buffer.putBytes(index + ERROR_TEXT_OFFSET, textBytes, 0, textLength);
        return length;
    }

    /**
     * @return the code of the ERROR frame at {@code index}; {@link ErrorCode#INTERNAL} when it has none.
     */
    static ErrorCode errorCode(final DirectBuffer buffer, final int index, final int frameLength)
    {
        return frameLength < HEADER_LENGTH + 4 ? ErrorCode.INTERNAL :
            ErrorCode.fromCode(buffer.getInt(index + HEADER_LENGTH, ByteOrder.BIG_ENDIAN));
    }

    /**
     * @return the text of the ERROR frame at {@code index}, cut at the frame's end when its length field says more.
     */
    static String errorText(final DirectBuffer buffer, final int index, final int frameLength)
    {
        if (frameLength < ERROR_TEXT_OFFSET)
        {
            return "(ERROR frame without text)";
        }
        final int textLength = Math.min(buffer.getShort(index + HEADER_LENGTH + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF,
            frameLength - ERROR_TEXT_OFFSET);
        final byte[] text = new byte[textLength];
        buffer.getBytes(index + ERROR_TEXT_OFFSET, text);
        return new String(text, StandardCharsets.UTF_8);
    }

    /**
     * @return the relay's ERROR at {@code index} as the library words it: "relay error CODE: text".
     */
    static String relayError(final DirectBuffer buffer, final int index, final int frameLength)
    {
        return "relay error " + errorCode(buffer, index, frameLength) + ": " + errorText(buffer, index, frameLength);
    }
}
