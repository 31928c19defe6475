package io.sluice.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static io.sluice.core.protocol.FrameDescriptor.FLAG_KEYED;
import static io.sluice.core.protocol.FrameDescriptor.FLAG_REDELIVERED;
import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The header writer for Agrona buffers puts on the wire the same 32 bytes as the one for ByteBufs, whatever the
 * values, and nothing outside them.
 */
class FramesPutHeaderTest
{
    private static final byte FILL = (byte)0xA5;

    @Test
    void writesTheSameBytesAsWriteHeader()
    {
        assertSameBytes(HEADER_LENGTH + 64, FrameType.DATA, 0, 1, 1, 0L, 1_700_000_000_000_000_000L);
        assertSameBytes(HEADER_LENGTH + 8, FrameType.DATA, FLAG_KEYED, 7, 3, 42L, 5L);
        assertSameBytes(HEADER_LENGTH + Frames.GAP_PAYLOAD_LENGTH, FrameType.GAP, FLAG_REDELIVERED, 2, 9, 1L << 40, 0L);
        assertSameBytes(HEADER_LENGTH, FrameType.HEARTBEAT, 0, 0, 0, 0L, 0L);
        assertSameBytes(HEADER_LENGTH + 6, FrameType.ERROR, 0, 0, 0, 0L, -1L);
        assertSameBytes(Integer.MAX_VALUE, FrameType.CLOSE, 0xFFFF, -1, Integer.MIN_VALUE, Long.MIN_VALUE,
            Long.MAX_VALUE);
        assertSameBytes(-1, 0xFF, 0x8001, Integer.MAX_VALUE, -2, -1L, Long.MIN_VALUE);
    }

    @Test
    void readsBackAsTheFieldsWritten()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[HEADER_LENGTH]);
        Frames.putHeader(buffer, 0, HEADER_LENGTH + 8, FrameType.DATA, FLAG_KEYED, -5, 77, -3L, Long.MAX_VALUE);
        final ByteBuf read = Unpooled.wrappedBuffer(buffer.byteArray());
        assertEquals(HEADER_LENGTH + 8, Frames.frameLength(read, 0));
        assertEquals(FrameDescriptor.VERSION, read.getUnsignedByte(FrameDescriptor.VERSION_OFFSET));
        assertEquals(FrameType.DATA, Frames.type(read, 0));
        assertEquals(FLAG_KEYED, Frames.flags(read, 0));
        assertEquals(-5, Frames.streamId(read, 0));
        assertEquals(77, Frames.sourceId(read, 0));
        assertEquals(-3L, Frames.sequence(read, 0));
        assertEquals(Long.MAX_VALUE, Frames.timestamp(read, 0));
        read.release();
    }

    private static void assertSameBytes(
        final int frameLength, final int type, final int flags, final int streamId, final int sourceId,
        final long sequence, final long timestampNanos)
    {
        final ByteBuf expected = Unpooled.buffer(HEADER_LENGTH);
        Frames.writeHeader(expected, frameLength, type, flags, streamId, sourceId, sequence, timestampNanos);
        final byte[] header = ByteBufUtil.getBytes(expected);
        expected.release();

        // An odd index, in heap and in direct memory: the writer neither needs alignment nor writes around the header.
        final int index = 3;
        final int capacity = index + HEADER_LENGTH + 5;
        final UnsafeBuffer[] buffers = {
            new UnsafeBuffer(new byte[capacity]), new UnsafeBuffer(ByteBuffer.allocateDirect(capacity))};
        for (final UnsafeBuffer buffer : buffers)
        {
            buffer.setMemory(0, capacity, FILL);
            Frames.putHeader(buffer, index, frameLength, type, flags, streamId, sourceId, sequence, timestampNanos);
            final byte[] written = new byte[HEADER_LENGTH];
            buffer.getBytes(index, written);
            assertArrayEquals(header, written, "type " + type + ", flags " + flags);
            for (int i = 0; i < capacity; i++)
            {
                if (i < index || i >= index + HEADER_LENGTH)
                {
                    assertEquals(FILL, buffer.getByte(i), "byte " + i + " outside the header");
                }
            }
        }
    }
}
