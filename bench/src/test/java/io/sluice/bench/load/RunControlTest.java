package io.sluice.bench.load;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The schedule a run's load threads share, its stop flags and its first failure. */
final class RunControlTest
{
    @Test
    void theScheduleOpensTheMeasuredWindowAfterTheWarmup() throws Exception
    {
        final RunControl control = new RunControl();
        control.expectThreads(1);
        control.startSchedule(1_000, 200, 3_000);
        control.awaitSchedule();

        assertTrue(control.awaitThreads(0));
        assertEquals(1_000, control.startNanos());
        assertEquals(1_200, control.measureFromNanos());
        assertEquals(4_200, control.measureToNanos());
    }

    @Test
    void theFirstFailureIsKeptAndStopsEveryThread()
    {
        final RunControl control = new RunControl();
        final IllegalStateException first = new IllegalStateException("first");

        control.fail(first);
        control.fail(new IllegalStateException("second"));

        assertSame(first, control.failure());
        assertTrue(control.stopProducers);
        assertTrue(control.stopConsumers);
        assertFalse(control.draining);
    }

    @Test
    void aThreadWaitingForTheScheduleGivesUpWhenTheRunIsCalledOff()
    {
        final RunControl control = new RunControl();
        control.expectThreads(2);
        control.stopAll();

        assertThrows(IllegalStateException.class, control::awaitSchedule);
    }
}
