package io.sluice.server.tier.disk;

import org.agrona.concurrent.Agent;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay's one spill thread outlives what its duties throw, Errors included: the failing duty is stopped and
 * closed, every other duty (and tier) goes on.
 */
class SpillWorkerTest
{
    @Test
    void anErrorStopsOnlyTheDutyThatThrewIt() throws Exception
    {
        final AtomicBoolean closed = new AtomicBoolean();
        final Agent faulty = new Agent()
        {
            @Override
            public int doWork()
            {
                // What a fault in a memory-mapped file raises on the thread that touched it.
                throw new InternalError("a fault occurred in an unsafe memory access operation");
            }

            @Override
            public void onClose()
            {
                closed.set(true);
            }

            @Override
            public String roleName()
            {
                return "faulty";
            }
        };
        final AtomicLong turns = new AtomicLong();
        final Agent healthy = new Agent()
        {
            @Override
            public int doWork()
            {
                turns.incrementAndGet();
                return 0;
            }

            @Override
            public String roleName()
            {
                return "healthy";
            }
        };
        try (SpillWorker worker = new SpillWorker())
        {
            worker.add(faulty);
            worker.add(healthy);
            await(closed::get, "the faulty duty is closed");
            final long before = turns.get();
            await(() -> turns.get() > before + 10, "the healthy duty keeps its turns");
            // A task that throws an Error is reported to its caller; the thread goes on.
            final ExecutionException failure = assertThrows(ExecutionException.class,
                () -> worker.submit(() ->
                {
                    throw new OutOfMemoryError("Map failed");
                }).get(30, TimeUnit.SECONDS));
            assertInstanceOf(OutOfMemoryError.class, failure.getCause());
            final long after = turns.get();
            await(() -> turns.get() > after + 10, "still turning after the task's Error");
            assertEquals(null, worker.submit(() -> {}).get(30, TimeUnit.SECONDS));
        }
    }

    private static void await(final java.util.function.BooleanSupplier condition, final String what)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "timed out: " + what);
            LockSupport.parkNanos(1_000_000);
        }
    }
}
