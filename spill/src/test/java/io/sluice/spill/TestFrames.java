package io.sluice.spill;

import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Sluice DATA frames whose payload is a pattern derived from the sequence number, so that a reader can check every
 * byte without keeping copies.
 */
final class TestFrames
{
    static final int STREAM_ID = 7;
    static final int SOURCE_ID = 3;

    private TestFrames()
    {
    }

    /**
     * Writes a frame with {@code payloadLength} payload bytes at {@code offset}.
     *
     * @return the frame length.
     */
    static int write(final MutableDirectBuffer buffer, final int offset, final long sequence, final int payloadLength)
    {
        final int length = FrameDescriptor.HEADER_LENGTH + payloadLength;
        buffer.putInt(offset + FrameDescriptor.LENGTH_OFFSET, length, ByteOrder.BIG_ENDIAN);
        buffer.putByte(offset + FrameDescriptor.VERSION_OFFSET, (byte)FrameDescriptor.VERSION);
        buffer.putByte(offset + FrameDescriptor.TYPE_OFFSET, (byte)FrameType.DATA);
        buffer.putShort(offset + FrameDescriptor.FLAGS_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        buffer.putInt(offset + FrameDescriptor.STREAM_ID_OFFSET, STREAM_ID, ByteOrder.BIG_ENDIAN);
        buffer.putInt(offset + FrameDescriptor.SOURCE_ID_OFFSET, SOURCE_ID, ByteOrder.BIG_ENDIAN);
        buffer.putLong(offset + FrameDescriptor.SEQUENCE_OFFSET, sequence, ByteOrder.BIG_ENDIAN);
        buffer.putLong(offset + FrameDescriptor.TIMESTAMP_OFFSET, sequence * 1000, ByteOrder.BIG_ENDIAN);
        final int payload = offset + FrameDescriptor.HEADER_LENGTH;
        int i = 0;
        for (; i + 8 <= payloadLength; i += 8)
        {
            buffer.putLong(payload + i, pattern(sequence, i), ByteOrder.LITTLE_ENDIAN);
        }
        for (; i < payloadLength; i++)
        {
            buffer.putByte(payload + i, (byte)pattern(sequence, i));
        }
        return length;
    }

    /**
     * @return the sequence number of a frame, after checking its header, length and every payload byte.
     */
    static long verify(final DirectBuffer buffer, final int offset, final int length)
    {
        assertEquals(length, buffer.getInt(offset + FrameDescriptor.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN),
            "length field");
        assertEquals(FrameType.DATA, buffer.getByte(offset + FrameDescriptor.TYPE_OFFSET), "type");
        assertEquals(STREAM_ID, buffer.getInt(offset + FrameDescriptor.STREAM_ID_OFFSET, ByteOrder.BIG_ENDIAN),
            "stream");
        final long sequence = buffer.getLong(offset + FrameDescriptor.SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN);
        assertEquals(sequence * 1000, buffer.getLong(offset + FrameDescriptor.TIMESTAMP_OFFSET, ByteOrder.BIG_ENDIAN));
        final int payloadLength = length - FrameDescriptor.HEADER_LENGTH;
        final int payload = offset + FrameDescriptor.HEADER_LENGTH;
        int i = 0;
        for (; i + 8 <= payloadLength; i += 8)
        {
            if (buffer.getLong(payload + i, ByteOrder.LITTLE_ENDIAN) != pattern(sequence, i))
            {
                throw new AssertionError("frame " + sequence + ": payload differs at byte " + i);
            }
        }
        for (; i < payloadLength; i++)
        {
            if (buffer.getByte(payload + i) != (byte)pattern(sequence, i))
            {
                throw new AssertionError("frame " + sequence + ": payload differs at byte " + i);
            }
        }
        return sequence;
    }

    private static long pattern(final long sequence, final int position)
    {
        long x = sequence * 0x9E3779B97F4A7C15L + position;
        x ^= x >>> 31;
        return x * 0xBF58476D1CE4E5B9L;
    }
}
