package io.sluice.spill;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SpillGaugesTest
{
    private final SpillGauges gauges = new SpillGauges();

    @Test
    void backlogBytesAreTheOffsetsApartWhileFramesWait()
    {
        gauges.appendEnd(10_000);
        gauges.readOffset(4_000);
        assertEquals(0, gauges.backlogBytes(), "no frame waits: no bytes, whatever the offsets say");
        gauges.backlogMessages(3);
        assertEquals(6_000, gauges.backlogBytes());
        gauges.readOffset(12_000);
        assertEquals(0, gauges.backlogBytes(), "offsets out of order after damage: never negative");
    }

    @Test
    void backlogNeverGoesBelowZero()
    {
        gauges.backlogMessages(2);
        gauges.consumeBacklog(1);
        assertEquals(1, gauges.backlogMessages());
        gauges.consumeBacklog(5);
        assertEquals(0, gauges.backlogMessages());
    }

    @Test
    void damageAccumulates()
    {
        gauges.addDamagedSkipped(2);
        gauges.addDamagedSkipped(3);
        gauges.addDamagedBytes(100);
        gauges.addDamagedBytes(23);
        assertEquals(5, gauges.damagedSkipped());
        assertEquals(123, gauges.damagedBytes());
    }
}
