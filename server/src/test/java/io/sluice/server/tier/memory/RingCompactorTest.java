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
 * {@link RingCompactor}: runs of tombstones become GAP records in their place, stamped from the compactor's clock,
 * waiting frames move up in order and the {@link TierGate} learns where they now start.
 */
class RingCompactorTest
{
    private static final int REASON = 3;
    /** Ring bytes of a frame of 48 payload bytes. */
    private static final int RECORD = RingRecords.recordBytes(32 + 48);

    @Test
    void aRunOfTombstonesBecomesAGapRecordInItsPlace()
    {
        final SmallRing small = new SmallRing();
        final long[] positions = new long[6];
        for (int sequence = 0; sequence < 6; sequence++)
        {
            positions[sequence] = small.store(sequence, 48);
        }
        final SmallRing.RecordingGate gate = new SmallRing.RecordingGate();
        for (int sequence = 1; sequence <= 3; sequence++)
        {
            small.writer.replace(positions[sequence], gate);
        }
        gate.calls.clear();

        assertEquals(3L * RECORD - RingRecords.GAP_RECORD_BYTES, small.compactor.compact(REASON, gate));
        final long four = RECORD + RingRecords.GAP_RECORD_BYTES;
        assertEquals(List.of("moved 0 to 0", "moved 4 to " + four, "moved 5 to " + (four + RECORD)), gate.calls);
        assertEquals(RingRecords.GAP_RECORD_BYTES, small.counts.junkBytes());
        assertEquals(3, small.counts.frames());
        assertEquals(four + 2 * RECORD, small.ring.producerPosition());

        final List<long[]> out = small.drainAll(gate);
        assertEquals(4, out.size());
        assertArrayEquals(new long[] {FrameType.DATA, 0}, out.get(0));
        assertArrayEquals(new long[] {FrameType.GAP, 1, 3, 3, REASON}, out.get(1));
        assertArrayEquals(new long[] {FrameType.DATA, 4}, out.get(2));
        assertArrayEquals(new long[] {FrameType.DATA, 5}, out.get(3));
        assertEquals(0, small.counts.junkBytes());
    }

    @Test
    void gapRecordsAreStampedFromTheClockItIsGiven()
    {
        final SmallRing small = new SmallRing();
        final long[] positions = new long[4];
        for (int sequence = 0; sequence < 4; sequence++)
        {
            positions[sequence] = small.store(sequence, 48);
        }
        final SmallRing.RecordingGate gate = new SmallRing.RecordingGate();
        small.writer.replace(positions[1], gate);
        small.writer.replace(positions[2], gate);
        small.epochNanos = 1_234_567_890L;

        assertTrue(small.compactor.compact(REASON, gate) > 0);
        small.epochNanos = 2_000_000_000L;
        final ByteBuf chunk = PooledByteBufAllocator.DEFAULT.directBuffer(2 * SmallRing.CAPACITY);
        try
        {
            small.copyOut.copyTo(chunk, gate);
            final int gap = chunk.readerIndex() + Frames.frameLength(chunk, chunk.readerIndex());
            assertEquals(FrameType.GAP, Frames.type(chunk, gap));
            assertEquals(1, Frames.gapFromSequence(chunk, gap));
            assertEquals(1_234_567_890L, Frames.timestamp(chunk, gap), "the clock's time when compacted");
            assertEquals(1_000, Frames.timestamp(chunk, chunk.readerIndex()), "a frame keeps its own");
        }
        finally
        {
            chunk.release();
        }
    }

    @Test
    void aRunTooShortForItsNoticesStaysAsItWas()
    {
        final SmallRing small = new SmallRing();
        small.store(0, 0);
        final long replaced = small.store(1, 0);
        small.store(2, 0);
        final SmallRing.RecordingGate gate = new SmallRing.RecordingGate();
        small.writer.replace(replaced, gate);

        assertEquals(0, small.compactor.compact(REASON, gate));
        assertEquals(RingRecords.recordBytes(32), small.counts.junkBytes());
        final List<long[]> out = small.drainAll(gate);
        assertEquals(2, out.size());
        assertEquals(0, out.get(0)[1]);
        assertEquals(2, out.get(1)[1]);
        assertTrue(gate.calls.contains("tombstone 1"), gate.calls.toString());
    }

    @Test
    void recordsMoveInOrderAcrossTheWrap()
    {
        final SmallRing small = new SmallRing();
        final List<long[]> out = new ArrayList<>();
        // Read up to a little before the end of the buffer, so that what follows wraps.
        long sequence = 0;
        while (small.ring.producerPosition() + RECORD < SmallRing.CAPACITY - 2 * RECORD)
        {
            small.store(sequence++, 48);
        }
        small.drainAll(null);
        final long first = sequence;
        final long[] positions = new long[10];
        for (int i = 0; i < 10; i++)
        {
            positions[i] = small.store(sequence++, 48);
        }
        final SmallRing.RecordingGate gate = new SmallRing.RecordingGate();
        for (int i = 1; i <= 3; i++)
        {
            small.writer.replace(positions[i], gate);
        }

        assertTrue(small.compactor.compact(REASON, gate) > 0);
        out.addAll(small.drainAll(gate));
        assertEquals(8, out.size());
        assertArrayEquals(new long[] {FrameType.DATA, first}, out.get(0));
        assertArrayEquals(new long[] {FrameType.GAP, first + 1, first + 3, 3, REASON}, out.get(1));
        for (int i = 2; i < 8; i++)
        {
            assertArrayEquals(new long[] {FrameType.DATA, first + 2 + i}, out.get(i));
        }
        assertTrue(small.ring.consumerPosition() > SmallRing.CAPACITY, "wrapped");
    }
}
