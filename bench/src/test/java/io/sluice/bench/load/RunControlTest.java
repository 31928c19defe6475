package io.sluice.bench.load;

import org.junit.jupiter.api.Test;

import java.io.IOException;

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
    void waitingForTheThreadsEndsWithTheFailureOfAThreadThatFailedBeforeItRan() throws Exception
    {
        final RunControl control = new RunControl();
        control.expectThreads(2);
        final IOException refused = new IOException("refused");
        final Thread failing = new Thread(() -> control.fail(refused));
        failing.start();

        // Within its 60 s it would only return false; failed, it throws the failure as soon as it sees it.
        assertSame(refused, assertThrows(IOException.class, () -> control.awaitThreads(60)));
        failing.join();
    }

    @Test
    void aFailureThatIsNotAnExceptionIsRethrownWrapped()
    {
        final RunControl control = new RunControl();
        final AssertionError error = new AssertionError("broken");
        control.fail(error);

        assertSame(error, assertThrows(IllegalStateException.class, control::rethrowFailure).getCause());
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
