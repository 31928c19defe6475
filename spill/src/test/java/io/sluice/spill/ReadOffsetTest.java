package io.sluice.spill;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The read offset and its trust, over fresh gauges: what each event does to the offset and the bytes lost. */
class ReadOffsetTest
{
    private final SpillGauges gauges = new SpillGauges();
    private final ReadOffset offset = new ReadOffset(gauges);

    @Test
    void recordBeyondATrustedOffsetCountsTheBytesBetweenOnce()
    {
        offset.reset(100, ReadOffset.Trust.LOWER_BOUND);
        offset.noteLoss(150);
        assertEquals(50, gauges.damagedBytes());
        assertEquals(150, offset.value());

        offset.noteLoss(150);
        assertEquals(50, gauges.damagedBytes(), "the handler threw, the record comes again: counted once");

        assertEquals(170, offset.consumed(150, 20));
        assertEquals(170, gauges.readOffset());
        assertEquals(ReadOffset.Trust.EXACT, offset.trust());
    }

    @Test
    void unknownOffsetMeasuresNoLossUntilARecordIsConsumed()
    {
        offset.reset(0, ReadOffset.Trust.UNKNOWN);
        assertFalse(offset.trusted());
        assertEquals(Long.MIN_VALUE, offset.scanFloor());
        offset.noteLoss(500);
        assertEquals(0, gauges.damagedBytes());
        assertEquals(0, offset.value());

        offset.consumed(500, 20);
        assertEquals(ReadOffset.Trust.EXACT, offset.trust());
        assertEquals(520, offset.scanFloor());
    }

    @Test
    void onlyAnExactOffsetVouchesForADamagedRecordInTheChain()
    {
        offset.reset(100, ReadOffset.Trust.EXACT);
        assertTrue(offset.continuesChain(100));
        assertFalse(offset.continuesChain(99));
        assertFalse(offset.continuesChain(SpillPositions.UNSET));

        offset.skippedInChain(100, 30);
        assertEquals(30, gauges.damagedBytes());
        assertEquals(130, offset.value());
        assertEquals(ReadOffset.Trust.EXACT, offset.trust());

        offset.chainBroken();
        assertEquals(ReadOffset.Trust.LOWER_BOUND, offset.trust());
        assertTrue(offset.trusted());
        assertFalse(offset.continuesChain(130));
    }

    @Test
    void chainBrokenLeavesAnUnknownOffsetUnknown()
    {
        offset.reset(0, ReadOffset.Trust.UNKNOWN);
        offset.chainBroken();
        assertEquals(ReadOffset.Trust.UNKNOWN, offset.trust());
    }

    @Test
    void drainedCountsTheTailLostOnlyWhenTrusted()
    {
        offset.reset(100, ReadOffset.Trust.LOWER_BOUND);
        offset.drained(160);
        assertEquals(60, gauges.damagedBytes(), "the store ends in damage");
        assertEquals(160, offset.value());
        assertEquals(ReadOffset.Trust.EXACT, offset.trust());

        offset.reset(0, ReadOffset.Trust.UNKNOWN);
        offset.drained(400);
        assertEquals(60, gauges.damagedBytes());
        assertEquals(400, offset.value());
        assertEquals(ReadOffset.Trust.EXACT, offset.trust());
    }
}
