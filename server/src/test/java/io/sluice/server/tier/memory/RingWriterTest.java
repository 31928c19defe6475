package io.sluice.server.tier.memory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.protocol.FrameType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RingWriter} over a 4 KiB ring: whole frames or none, fragments for large ones, GAP records merged at the
 * tail, tombstones for replaced frames; read back with {@link RingCopyOut}.
 */
class RingWriterTest
{
    private static final int PAYLOAD = 88;
    private static final int FRAME = 32 + PAYLOAD;

    @Test
    void storesWholeFramesUntilOneDoesNotFit()
    {
        final SmallRing small = new SmallRing();
        final ByteBuf run = PooledByteBufAllocator.DEFAULT.directBuffer();
        try
        {
            for (int sequence = 0; sequence < 100; sequence++)
            {
                final ByteBuf frame = SmallRing.frame(sequence, PAYLOAD);
                run.writeBytes(frame);
                frame.release();
            }
            final int reached = small.writer.offerFrames(run, 0, run.writerIndex());
            assertEquals(0, reached % FRAME, "stops on a frame boundary");
            final int stored = reached / FRAME;
            assertTrue(stored > 0 && stored < 100, "some fit, not all: " + stored);
            assertEquals(stored, small.counts.frames());
            assertFalse(small.writer.fits(FRAME));

            final List<long[]> out = small.drainAll(null);
            assertEquals(stored, out.size());
            for (int i = 0; i < stored; i++)
            {
                assertArrayEquals(new long[] {FrameType.DATA, i}, out.get(i));
            }
            assertTrue(small.writer.fits(FRAME));
        }
        finally
        {
            run.release();
        }
    }

    @Test
    void aFrameLargerThanARecordIsStoredAsFragmentsWholeOrNotAtAll()
    {
        final SmallRing small = new SmallRing();
        final int maxRecord = small.writer.maxRecord();
        assertEquals(SmallRing.CAPACITY / 8, maxRecord);
        final int length = 32 + 1500;

        assertEquals(0, small.store(0, 1500));
        int at = 0;
        int stored = 0;
        for (int fragment = 0; fragment < 3; fragment++)
        {
            final int data = Math.min(maxRecord, length - stored);
            assertEquals(fragment == 0 ? RingRecords.MSG_FIRST : RingRecords.MSG_MORE,
                small.memory.getInt(RingRecords.typeOffset(at)));
            assertEquals(data + RingRecords.HEADER_LENGTH, small.memory.getInt(RingRecords.lengthOffset(at)));
            stored += data;
            at += RingRecords.recordBytes(data);
        }
        assertEquals(length, stored);

        small.store(1, 1500);
        final long used = small.ring.size();
        final ByteBuf third = SmallRing.frame(2, 1500);
        try
        {
            assertFalse(small.writer.fits(length));
            assertEquals(-1, small.writer.offerOne(third, 0, length));
        }
        finally
        {
            third.release();
        }
        assertEquals(used, small.ring.size(), "no fragment of a refused frame written");
        assertEquals(2, small.counts.frames());
        final List<long[]> out = small.drainAll(null);
        assertEquals(2, out.size());
        assertEquals(1, out.get(1)[1]);
    }

    @Test
    void gapsInARowMergeIntoTheRecordAtTheTailUntilSomethingIsStoredAfterIt()
    {
        final SmallRing small = new SmallRing();
        small.storeGap(0, 1, 3);
        small.storeGap(1, 1, 3);
        assertEquals(RingRecords.GAP_RECORD_BYTES, small.ring.size(), "merged");
        assertEquals(RingRecords.GAP_RECORD_BYTES, small.counts.junkBytes());
        small.store(5, 16);
        small.storeGap(6, 2, 3);
        small.writer.forgetLastGap();
        small.storeGap(8, 1, 3);

        final List<long[]> out = small.drainAll(null);
        assertEquals(4, out.size());
        assertArrayEquals(new long[] {FrameType.GAP, 0, 1, 2, 3}, out.get(0));
        assertArrayEquals(new long[] {FrameType.DATA, 5}, out.get(1));
        assertArrayEquals(new long[] {FrameType.GAP, 6, 7, 2, 3}, out.get(2));
        assertArrayEquals(new long[] {FrameType.GAP, 8, 8, 1, 3}, out.get(3), "not merged once forgotten");
        assertEquals(0, small.counts.junkBytes());
        assertEquals(1, small.counts.delivered());
    }

    @Test
    void aReplacedFrameBecomesATombstoneSkippedAndAnnouncedOnTheWayOut()
    {
        final SmallRing small = new SmallRing();
        small.store(0, 16);
        final long position = small.store(1, 16);
        small.store(2, 16);
        final SmallRing.RecordingGate gate = new SmallRing.RecordingGate();

        small.writer.replace(position, gate);
        assertEquals(List.of("replaced 1"), gate.calls);
        assertEquals(2, small.counts.frames());
        assertEquals(RingRecords.recordBytes(32 + 16), small.counts.junkBytes());

        final List<long[]> out = small.drainAll(gate);
        assertEquals(2, out.size());
        assertEquals(0, out.get(0)[1]);
        assertEquals(2, out.get(1)[1]);
        assertEquals(List.of("replaced 1", "tombstone 1"), gate.calls);
        assertEquals(0, small.counts.junkBytes());
        assertEquals(0, small.counts.frames());
    }

    @Test
    void fitsGivesTheAnswerOfferOneGives()
    {
        final SmallRing small = new SmallRing();
        final Random random = new Random(11);
        final ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(8 * 1024);
        try
        {
            for (int round = 0; round < 2_000; round++)
            {
                final int payload = random.nextInt(4) == 0 ? 400 + random.nextInt(1_800) : random.nextInt(300);
                final ByteBuf frame = SmallRing.frame(round, payload);
                final boolean fits = small.writer.fits(frame.writerIndex());
                final long position = small.writer.offerOne(frame, 0, frame.writerIndex());
                frame.release();
                assertEquals(fits, position >= 0, "round " + round + ", payload " + payload);
                if (!fits || random.nextInt(3) == 0)
                {
                    out.clear();
                    small.copyOut.copyTo(out, null);
                }
            }
        }
        finally
        {
            out.release();
        }
    }
}
