package io.sluice.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.IllegalReferenceCountException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoder's recycled slices: each holds one reference to the read buffer and gives it back exactly once, on
 * whichever thread releases it, and is reused only after that.
 */
class RunSliceTest
{
    private static final int FRAME = FrameDescriptor.HEADER_LENGTH + 8;

    private static ByteBuf frames(final ByteBuf buf, final long firstSequence, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            Frames.writeHeader(buf, FRAME, FrameType.DATA, 0, 1, 1, firstSequence + i, 0);
            buf.writeLong(firstSequence + i);
        }
        return buf;
    }

    @Test
    void aReleasedSliceIsReusedAndTheReadBufferIsReleasedOnce()
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        final ByteBuf read = frames(Unpooled.directBuffer(), 0, 3);
        read.retain(); // our own reference, to watch the decoder's
        channel.writeInbound(read);
        final ByteBuf first = channel.readInbound();
        assertEquals(3 * FRAME, first.readableBytes());
        assertEquals(2, read.refCnt(), "the run holds the read buffer");
        assertTrue(first.release());
        assertEquals(1, read.refCnt(), "released once with the run");
        assertThrows(IllegalReferenceCountException.class, () -> first.getByte(0));

        final ByteBuf second = frames(Unpooled.directBuffer(), 3, 2);
        channel.writeInbound(second);
        final ByteBuf run = channel.readInbound();
        assertSame(first, run, "the slice object is reused");
        assertEquals(2 * FRAME, run.readableBytes());
        assertEquals(0, run.readerIndex());
        assertEquals(3, Frames.sequence(run, 0));
        assertEquals(4, run.getLong(FRAME + FrameDescriptor.HEADER_LENGTH));
        run.release();
        assertEquals(0, second.refCnt());
        read.release();
        assertEquals(0, read.refCnt());
    }

    @Test
    void slicesHeldAtOnceAreDistinctAndMapTheirOwnBytes()
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        channel.writeInbound(frames(Unpooled.buffer(), 0, 2));
        final ByteBuf a = channel.readInbound();
        channel.writeInbound(frames(Unpooled.directBuffer(), 2, 1));
        final ByteBuf b = channel.readInbound();
        assertNotSame(a, b);
        assertEquals(0, Frames.sequence(a, 0));
        assertEquals(1, Frames.sequence(a, FRAME));
        assertEquals(2, Frames.sequence(b, 0));
        assertEquals(1, a.getLong(FRAME + FrameDescriptor.HEADER_LENGTH));
        assertTrue(a.hasArray());
        assertEquals(1, Frames.sequence(Unpooled.wrappedBuffer(a.array(), a.arrayOffset() + FRAME, FRAME), 0));
        final ByteBuffer nio = b.internalNioBuffer(0, FRAME);
        assertEquals(FRAME, nio.remaining());
        assertEquals(2, nio.getLong(nio.position() + FrameDescriptor.SEQUENCE_OFFSET));
        a.release();
        b.release();
    }

    @Test
    void derivedBuffersCountAgainstTheSlice()
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        final ByteBuf read = frames(Unpooled.directBuffer(), 0, 4);
        read.retain();
        channel.writeInbound(read);
        final ByteBuf run = channel.readInbound();
        final ByteBuf copy = run.retainedDuplicate();
        final ByteBuf tail = run.retainedSlice(2 * FRAME, 2 * FRAME);
        assertEquals(2, Frames.sequence(tail, 0));
        run.release();
        copy.release();
        assertEquals(2, read.refCnt(), "a derived slice still holds the run");
        assertEquals(3, Frames.sequence(tail, FRAME));
        tail.release();
        assertEquals(1, read.refCnt());
        read.release();
    }

    @Test
    void aSliceReleasedOnAnotherThreadComesBack() throws Exception
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        channel.writeInbound(frames(Unpooled.directBuffer(), 0, 1));
        final ByteBuf first = channel.readInbound();
        final Thread releaser = new Thread(first::release);
        releaser.start();
        releaser.join();
        channel.writeInbound(frames(Unpooled.directBuffer(), 1, 1));
        final ByteBuf second = channel.readInbound();
        assertSame(first, second);
        assertEquals(1, Frames.sequence(second, 0));
        second.release();
    }
}
