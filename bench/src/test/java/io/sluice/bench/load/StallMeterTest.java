package io.sluice.bench.load;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The meter's recording, driven with hand-given wake-up times: what counts as a stall, and what a reset forgets. */
final class StallMeterTest
{
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_700_000_000_000_000_000L;

    @Test
    void aWakeUpLateByTenMillisecondsOrMoreIsAStallAndTheLongestIsKept()
    {
        final StallMeter meter = new StallMeter();
        meter.reset(T0);

        meter.wokeUp(T0 + MS, T0 + MS);
        meter.wokeUp(T0 + 2 * MS, T0 + 11 * MS);
        assertEquals(new Stalls(0, 9_000), meter.read(), "on time and 9 ms late: no stall, the longest still kept");

        meter.wokeUp(T0 + 12 * MS, T0 + 22 * MS);
        assertEquals(new Stalls(1, 10_000), meter.read(), "10 ms late is a stall");

        meter.wokeUp(T0 + 23 * MS, T0 + 123 * MS);
        meter.wokeUp(T0 + 124 * MS, T0 + 124 * MS);
        final Stalls stalls = meter.read();
        assertEquals(new Stalls(2, 100_000), stalls);
        assertTrue(stalls.any());
        assertEquals("2 / 100 ms", stalls.text());
    }

    @Test
    void aResetForgetsWhatWasRecordedAndIgnoresWakeUpsBeforeItsStart()
    {
        final StallMeter meter = new StallMeter();
        meter.reset(T0);
        meter.wokeUp(T0 + MS, T0 + 101 * MS);
        assertEquals(1, meter.read().count());

        meter.reset(T0 + 1_000 * MS);
        assertEquals(Stalls.NONE, meter.read());
        meter.wokeUp(T0 + 900 * MS, T0 + 950 * MS);
        assertEquals(Stalls.NONE, meter.read(), "a stall over before the measured window does not count");

        meter.wokeUp(T0 + 990 * MS, T0 + 1_010 * MS);
        assertEquals(new Stalls(1, 20_000), meter.read(), "a stall under way when the window starts counts");
    }

    @Test
    void noStallPrintsAsADash()
    {
        assertFalse(Stalls.NONE.any());
        assertEquals("-", new Stalls(0, 3_000).text());
        assertEquals("1 / 105 ms", new Stalls(1, 104_600).text());
    }
}
