package io.sluice.tools;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The wait for a paced message's time, on a clock the test moves: flushed first, cut into parks of at most 100 ms with
 * a duty cycle after each, and nothing at all when the time has come.
 */
final class PacingWaitTest
{
    /** The clock, the parks and the duty cycles of one wait, in the order they happened. */
    private static final class Recorder implements DutyCycle
    {
        private final List<String> events = new ArrayList<>();
        private final List<Long> parks = new ArrayList<>();
        private final List<Long> workTimes = new ArrayList<>();
        private long time;

        private long now()
        {
            // Each reading takes a microsecond, so that a spin ends.
            time += 1_000;
            return time;
        }

        private void park(final long nanos)
        {
            events.add("park");
            parks.add(nanos);
            time += nanos;
        }

        @Override
        public void flush()
        {
            events.add("flush");
        }

        @Override
        public int doWork()
        {
            events.add("doWork");
            workTimes.add(time);
            return 0;
        }
    }

    private final Recorder recorder = new Recorder();
    private final PacingWait wait = new PacingWait(() -> true, recorder::now, recorder::park);

    @Test
    void aTimeAlreadyComeNeitherWaitsNorFlushes()
    {
        assertEquals(700, wait.until(600, 700, recorder));
        assertEquals(700, wait.until(700, 700, recorder));
        assertEquals(List.of(), recorder.events);
    }

    @Test
    void aStoppedRunReturnsNow()
    {
        final PacingWait stopped = new PacingWait(() -> false, recorder::now, recorder::park);

        assertEquals(700, stopped.until(Long.MAX_VALUE, 700, recorder));
        assertEquals(List.of(), recorder.parks);
    }

    @Test
    void aLongWaitFlushesFirstThenParksAtMost100msAtATimeWithADutyCycleAfterEach()
    {
        final long target = TimeUnit.MILLISECONDS.toNanos(2_500);

        final long end = wait.until(target, 0, recorder);

        assertTrue(end >= target, "ended at " + end);
        assertEquals("flush", recorder.events.get(0));
        assertEquals(1, recorder.events.stream().filter("flush"::equals).count(), recorder.events.toString());
        for (final long park : recorder.parks)
        {
            assertTrue(park > 0 && park <= PacingWait.MAX_PARK_NANOS, "parked " + park);
        }
        for (int i = 1; i < recorder.events.size(); i += 2)
        {
            assertEquals("park", recorder.events.get(i), recorder.events.toString());
            assertEquals("doWork", recorder.events.get(i + 1), recorder.events.toString());
        }
        assertTrue(recorder.workTimes.size() >= 25, recorder.workTimes.size() + " duty cycles");
        long previous = 0;
        for (final long at : recorder.workTimes)
        {
            assertTrue(at - previous <= PacingWait.MAX_PARK_NANOS + TimeUnit.MILLISECONDS.toNanos(1),
                "a duty cycle " + (at - previous) + " ns after the one before");
            previous = at;
        }
    }

    @Test
    void aShortWaitFlushesAndSpinsWithoutParking()
    {
        final long end = wait.until(50_000, 0, recorder);

        assertTrue(end >= 50_000, "ended at " + end);
        assertEquals(List.of("flush"), recorder.events);
    }
}
