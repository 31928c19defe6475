package io.sluice.core.ring;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Ring sizes and what {@link FrameRing#offerFrames} does with a frame no record can hold.
 */
class FrameRingTest
{
    @Test
    void eightFramesOfTheLargestSizeFitInTheSmallestPowerOfTwo()
    {
        final FrameRing ring = FrameRing.forFrames(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1024, false);
        assertEquals(8 * 1024 * 1024, ring.capacity());
        assertEquals(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, ring.maxFrameLength());
        assertEquals(256 * 1024, FrameRing.forFrames(100, 256 * 1024, true).capacity());
        assertThrows(IllegalArgumentException.class, () -> FrameRing.forFrames(256 * 1024 * 1024, 1024, false));
    }

    @Test
    void offerStopsBeforeAFrameLongerThanARecord()
    {
        final FrameRing ring = FrameRing.forFrames(1024, 8 * 1024, false);
        final ByteBuf frames = Unpooled.buffer();
        frame(frames, 100);
        frame(frames, ring.maxFrameLength() + 1);
        frame(frames, 100);
        try
        {
            final int reached = ring.offerFrames(frames, 0, frames.writerIndex());
            assertEquals(100, reached);
            assertEquals(1, ring.ring().read((type, buffer, index, length) -> assertEquals(100, length)));
            assertEquals(reached, ring.offerFrames(frames, reached, frames.writerIndex()));
        }
        finally
        {
            frames.release();
        }
    }

    private static void frame(final ByteBuf out, final int length)
    {
        Frames.writeHeader(out, length, FrameType.DATA, 0, 1, 1, 0, 0);
        out.writeZero(length - FrameDescriptor.HEADER_LENGTH);
    }
}
