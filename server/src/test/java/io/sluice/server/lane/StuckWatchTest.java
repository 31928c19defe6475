package io.sluice.server.lane;

import io.sluice.server.lane.StuckWatch.Change;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link StuckWatch} driven by a hand-advanced clock. */
class StuckWatchTest
{
    private static final long MS = 1_000_000L;

    private final StuckWatch watch = new StuckWatch(1000 * MS);

    @Test
    void stuckAfterExactlyTheTimeNotBefore()
    {
        assertEquals(Change.NONE, watch.check(0, 100, true));
        assertEquals(Change.NONE, watch.check(250 * MS, 100, true));
        assertEquals(Change.NONE, watch.check(999 * MS, 100, true));
        assertFalse(watch.isStuck());
        assertEquals(Change.STUCK, watch.check(1000 * MS, 100, true));
        assertTrue(watch.isStuck());
        assertEquals(1000 * MS, watch.idleNanos(1000 * MS));
    }

    @Test
    void oneChangeReportedPerTransition()
    {
        watch.check(0, 0, true);
        assertEquals(Change.STUCK, watch.check(1000 * MS, 0, true));
        assertEquals(Change.NONE, watch.check(1250 * MS, 0, true));
        assertEquals(Change.NONE, watch.check(5000 * MS, 0, true));
        assertEquals(Change.RECOVERED, watch.check(5250 * MS, 1, true));
        assertEquals(Change.NONE, watch.check(5500 * MS, 2, true));
        assertFalse(watch.isStuck());
    }

    @Test
    void anyByteTakenResetsTheTime()
    {
        watch.check(0, 0, true);
        assertEquals(Change.NONE, watch.check(900 * MS, 1, true));
        assertEquals(Change.NONE, watch.check(1800 * MS, 2, true));
        assertEquals(Change.NONE, watch.check(2700 * MS, 2, true));
        assertEquals(Change.STUCK, watch.check(2800 * MS, 2, true));
    }

    @Test
    void nothingWaitingIsNeverStuckAndEndsAStall()
    {
        watch.check(0, 0, false);
        assertEquals(Change.NONE, watch.check(5000 * MS, 0, false));
        assertEquals(Change.NONE, watch.check(5100 * MS, 0, true));
        assertEquals(Change.STUCK, watch.check(6100 * MS, 0, true));
        assertEquals(Change.RECOVERED, watch.check(6200 * MS, 0, false));
        assertEquals(0, watch.idleNanos(6200 * MS));
    }

    @Test
    void aFallInTheCountIsNotProgress()
    {
        watch.check(0, 100, true);
        assertEquals(Change.NONE, watch.check(500 * MS, 91, true));
        assertEquals(Change.STUCK, watch.check(1000 * MS, 91, true));
        assertEquals(Change.RECOVERED, watch.check(1100 * MS, 92, true));
    }

    @Test
    void stuckAfterMustBePositive()
    {
        assertThrows(IllegalArgumentException.class, () -> new StuckWatch(0));
    }
}
