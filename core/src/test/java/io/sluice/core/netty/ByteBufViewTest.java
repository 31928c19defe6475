package io.sluice.core.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ByteBufView}: the one way to reach a ByteBuf's memory, for direct, heap and composite buffers alike. */
class ByteBufViewTest
{
    private static final int LENGTH = 21; // two longs and five single bytes through a composite's accessors

    /** A direct, a heap and a composite buffer, each holding bytes 1..LENGTH at index 3, reader index 0. */
    private static List<ByteBuf> buffers()
    {
        final List<ByteBuf> buffers = new ArrayList<>();
        buffers.add(fill(Unpooled.directBuffer(64)));
        buffers.add(fill(Unpooled.buffer(64)));
        final CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponent(true, Unpooled.directBuffer(10).writeZero(10));
        composite.addComponent(true, Unpooled.buffer(54).writeZero(54));
        buffers.add(fill(composite));
        return buffers;
    }

    private static ByteBuf fill(final ByteBuf buf)
    {
        buf.writerIndex(Math.max(buf.writerIndex(), 3 + LENGTH));
        for (int i = 0; i < LENGTH; i++)
        {
            buf.setByte(3 + i, i + 1);
        }
        return buf;
    }

    @Test
    void wrapIndexesTheViewLikeTheBuffer()
    {
        final ByteBufView view = new ByteBufView();
        for (final ByteBuf buf : buffers())
        {
            try
            {
                final DirectBuffer memory = view.wrap(buf);
                for (int i = 0; i < LENGTH; i++)
                {
                    assertEquals(i + 1, memory.getByte(3 + i), buf + " at " + (3 + i));
                }
            }
            finally
            {
                buf.release();
            }
        }
    }

    @Test
    void onlyAnAddressOrAnArrayIsReachedInPlace()
    {
        final List<ByteBuf> buffers = buffers();
        try
        {
            assertTrue(ByteBufView.wrapsInPlace(buffers.get(0)), "direct");
            assertTrue(ByteBufView.wrapsInPlace(buffers.get(1)), "heap");
            assertFalse(ByteBufView.wrapsInPlace(buffers.get(2)), "composite");
        }
        finally
        {
            buffers.forEach(ByteBuf::release);
        }
    }

    @Test
    void copyTakesTheBytesFromEveryKindOfBufferLeavingItsIndexesAlone()
    {
        for (final ByteBuf buf : buffers())
        {
            final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(32));
            final UnsafeBuffer heap = new UnsafeBuffer(new byte[32]);
            try
            {
                ByteBufView.copy(buf, 3, direct, 5, LENGTH);
                ByteBufView.copy(buf, 3, heap, 5, LENGTH);
                for (int i = 0; i < LENGTH; i++)
                {
                    assertEquals(i + 1, direct.getByte(5 + i), buf + " into direct at " + (5 + i));
                    assertEquals(i + 1, heap.getByte(5 + i), buf + " into heap at " + (5 + i));
                }
                assertEquals(0, direct.getByte(4));
                assertEquals(0, direct.getByte(5 + LENGTH));
                assertEquals(0, buf.readerIndex());
                assertEquals(1, buf.refCnt());
            }
            finally
            {
                buf.release();
            }
        }
    }

    @Test
    void copyPastTheEndOfItsDestinationIsRefused()
    {
        final ByteBuf buf = fill(Unpooled.directBuffer(64));
        try
        {
            final UnsafeBuffer small = new UnsafeBuffer(ByteBuffer.allocateDirect(16));
            assertThrows(IndexOutOfBoundsException.class, () -> ByteBufView.copy(buf, 3, small, 0, LENGTH));
        }
        finally
        {
            buf.release();
        }
    }
}
