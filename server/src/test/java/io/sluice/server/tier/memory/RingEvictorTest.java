package io.sluice.server.tier.memory;

import io.sluice.core.protocol.FrameType;
import org.agrona.concurrent.ControlledMessageHandler;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RingEvictor}: drop-oldest evicts one whole message and the notices before it, telling the {@link TierGate}.
 */
class RingEvictorTest
{
    @Test
    void evictsTheOldestFrameWithAllItsFragments()
    {
        final SmallRing small = new SmallRing();
        small.store(0, 1500);
        small.store(1, 16);
        final SmallRing.RecordingGate gate = new SmallRing.RecordingGate();

        assertEquals(32 + 1500, small.evictor.evictOldest(gate));
        assertEquals(List.of("evicted 0"), gate.calls);
        assertEquals(1, small.counts.frames());
        final List<long[]> out = small.drainAll(null);
        assertEquals(1, out.size());
        assertEquals(1, out.get(0)[1]);
    }

    @Test
    void passesTheTombstonesAndGapRecordsBeforeTheOldestMessage()
    {
        final SmallRing small = new SmallRing();
        small.storeGap(50, 1, 3);
        final long replaced = small.store(0, 16);
        small.store(1, 16);
        final SmallRing.RecordingGate gate = new SmallRing.RecordingGate();
        small.writer.replace(replaced, gate);

        assertEquals(48, small.evictor.evictOldest(gate));
        assertEquals(List.of("replaced 0", "gap evicted 50", "tombstone 0", "evicted 1"), gate.calls);
        assertEquals(0, small.counts.junkBytes());
        assertEquals(0, small.counts.frames());
        assertEquals(small.ring.producerPosition(), small.ring.consumerPosition());
    }

    @Test
    void stopsBeforeTheNoticesAfterTheOldestMessage()
    {
        final SmallRing small = new SmallRing();
        small.store(0, 16);
        small.storeGap(9, 1, 3);
        small.store(1, 16);
        final SmallRing.RecordingGate gate = new SmallRing.RecordingGate();

        assertEquals(48, small.evictor.evictOldest(gate));
        assertEquals(List.of("evicted 0"), gate.calls);
        final List<long[]> out = small.drainAll(null);
        assertEquals(2, out.size());
        assertArrayEquals(new long[] {FrameType.GAP, 9, 9, 1, 3}, out.get(0));
        assertArrayEquals(new long[] {FrameType.DATA, 1}, out.get(1));
    }

    @Test
    void leavesTheRestOfAFrameWhoseFirstFragmentWasRead()
    {
        final SmallRing small = new SmallRing();
        small.store(0, 1500);
        final ControlledMessageHandler readOne =
            (type, buffer, index, length) -> ControlledMessageHandler.Action.CONTINUE;
        assertEquals(1, small.ring.controlledRead(readOne, 1));
        final long consumed = small.ring.consumerPosition();
        final SmallRing.RecordingGate gate = new SmallRing.RecordingGate();

        assertEquals(0, small.evictor.evictOldest(gate));
        assertTrue(gate.calls.isEmpty());
        assertEquals(consumed, small.ring.consumerPosition());
        assertEquals(1, small.counts.frames());
    }

    @Test
    void anEmptyRingEvictsNothing()
    {
        final SmallRing small = new SmallRing();
        assertEquals(0, small.evictor.evictOldest(null));
        assertEquals(0, small.counts.frames());
    }
}
