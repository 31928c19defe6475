package io.sluice.server.tier.memory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RingCopyOut} reading a ring filled by {@link RingWriter}: whole frames in order, across the wrap, never more
 * than a drain's target past a frame boundary, with a {@link TierGate}'s expiries and GAP frames.
 */
class RingCopyOutTest
{
    @Test
    void framesComeOutWholeAndInOrderAcrossTheWrap()
    {
        final SmallRing small = new SmallRing();
        final List<long[]> out = new ArrayList<>();
        for (int sequence = 0; sequence < 200; sequence++)
        {
            small.store(sequence, sequence % 7 == 0 ? 700 : 100);
            if (sequence % 3 == 2)
            {
                out.addAll(small.drainAll(null));
            }
        }
        out.addAll(small.drainAll(null));
        assertTrue(small.ring.consumerPosition() > 2 * SmallRing.CAPACITY, "wrapped");
        assertEquals(200, out.size());
        for (int i = 0; i < 200; i++)
        {
            assertArrayEquals(new long[] {FrameType.DATA, i}, out.get(i));
        }
        assertEquals(200, small.counts.delivered());
        assertEquals(0, small.counts.frames());
    }

    @Test
    void aFrameThatDoesNotFitStopsTheCopyAndSaysWhatItNeeds()
    {
        final SmallRing small = new SmallRing();
        small.store(0, 100);
        small.store(1, 100);
        final ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(100, 100);
        final ByteBuf larger = PooledByteBufAllocator.DEFAULT.directBuffer(200, 200);
        try
        {
            assertEquals(0, small.copyOut.copyTo(out, null));
            assertEquals(132, small.copyOut.needed());
            assertEquals(0, small.ring.consumerPosition(), "nothing read");

            assertEquals(132, small.copyOut.copyTo(larger, null), "the first frame, not a part of the second");
            assertEquals(0, small.copyOut.needed(), "something was copied");
            assertEquals(0, Frames.sequence(larger, 0));
            assertEquals(1, small.counts.frames());
        }
        finally
        {
            out.release();
            larger.release();
        }
    }

    @Test
    void aCopyStopsAtTheFirstFrameBoundaryPastTheTarget()
    {
        final SmallRing small = new SmallRing(128 * 1024);
        for (int sequence = 0; sequence < 100; sequence++)
        {
            small.store(sequence, 1000);
        }
        final ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(256 * 1024);
        try
        {
            final int copied = small.copyOut.copyTo(out, null);
            assertEquals(0, copied % 1032);
            assertTrue(copied >= RingCopyOut.DRAIN_TARGET_BYTES && copied < RingCopyOut.DRAIN_TARGET_BYTES + 1032,
                "copied " + copied);
            final List<long[]> frames = new ArrayList<>();
            SmallRing.read(out, frames);
            assertEquals(copied / 1032, frames.size());
            assertEquals(100 - frames.size(), small.counts.frames());
        }
        finally
        {
            out.release();
        }
    }

    @Test
    void expiredFramesAreDroppedWithAllTheirFragments()
    {
        final SmallRing small = new SmallRing();
        small.store(0, 16);
        small.store(1, 1500);
        small.store(2, 16);
        final SmallRing.RecordingGate gate = new SmallRing.RecordingGate();
        gate.expire.add(1L);

        final List<long[]> out = small.drainAll(gate);
        assertEquals(2, out.size());
        assertEquals(0, out.get(0)[1]);
        assertEquals(2, out.get(1)[1]);
        assertEquals(0, small.counts.frames());
        assertEquals(2, small.counts.delivered());
    }

    @Test
    void theGatesGapFramesGoOutBeforeTheNextFrameAndStoredOnesInTheirPlace()
    {
        final SmallRing small = new SmallRing();
        small.store(0, 16);
        small.storeGap(20, 3, 2);
        small.store(1, 16);
        final SmallRing.RecordingGate gate = new SmallRing.RecordingGate();
        gate.pending = PooledByteBufAllocator.DEFAULT.directBuffer();
        try
        {
            Frames.writeGap(gate.pending, SmallRing.STREAM_ID, 99, 10, 11, 2, 1, 0);
            final List<long[]> out = small.drainAll(gate);
            assertEquals(4, out.size());
            assertArrayEquals(new long[] {FrameType.GAP, 10, 11, 2, 1}, out.get(0));
            assertArrayEquals(new long[] {FrameType.DATA, 0}, out.get(1));
            assertArrayEquals(new long[] {FrameType.GAP, 20, 22, 3, 2}, out.get(2));
            assertArrayEquals(new long[] {FrameType.DATA, 1}, out.get(3));
            assertEquals(0, small.counts.junkBytes());
            assertEquals(2, small.counts.delivered());
        }
        finally
        {
            gate.pending.release();
        }
    }
}
