package io.sluice.bench.load;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the load threads of one {@link LoadRun} share: the schedule (start, measured window), the stop flags, the
 * drain flag and the first failure. The schedule is set once every load thread runs, then published to them through
 * a latch, so a thread that starts late on a loaded machine does not find a short run already over.
 */
final class RunControl
{
    // How often a wait for the load threads looks for a failure.
    private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch scheduleSet = new CountDownLatch(1);
    private final CountDownLatch ended = new CountDownLatch(1);
    private CountDownLatch threadsReady;

    // Written before scheduleSet opens, read by the load threads after it.
    private long startNanos;
    // Volatile: a link that delivers by itself reads them on a thread of its own, which the latch does not order.
    private volatile long measureFromNanos;
    private volatile long measureToNanos;

    volatile boolean stopProducers;
    volatile boolean stopConsumers;
    volatile boolean draining;

    /**
     * @param threads load threads that will call {@link #awaitSchedule()} before {@link #awaitThreads(long)} returns.
     */
    void expectThreads(final int threads)
    {
        threadsReady = new CountDownLatch(threads);
    }

    /**
     * @return whether every expected thread said it runs within {@code seconds}.
     * @throws Exception the first failure of a load thread, as soon as one is recorded: a thread that failed before it
     * said it runs never will.
     */
    boolean awaitThreads(final long seconds) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true)
        {
            rethrowFailure();
            final long left = deadline - System.nanoTime();
            if (threadsReady.await(Math.min(left, CHECK_NANOS), TimeUnit.NANOSECONDS))
            {
                return true;
            }
            if (left <= CHECK_NANOS)
            {
                rethrowFailure();
                return false;
            }
        }
    }

    /**
     * Sets the schedule and lets the load threads go.
     *
     * @param start when the producers start (warmup included).
     * @param warmupNanos how long after the start the measured window opens.
     * @param measuredNanos how long the measured window lasts.
     */
    void startSchedule(final long start, final long warmupNanos, final long measuredNanos)
    {
        startNanos = start;
        measureFromNanos = start + warmupNanos;
        measureToNanos = measureFromNanos + measuredNanos;
        scheduleSet.countDown();
    }

    long startNanos()
    {
        return startNanos;
    }

    long measureFromNanos()
    {
        return measureFromNanos;
    }

    long measureToNanos()
    {
        return measureToNanos;
    }

    /** A load thread, first thing: says it runs, then waits for the schedule (or for the run to be called off). */
    void awaitSchedule() throws InterruptedException
    {
        threadsReady.countDown();
        while (!scheduleSet.await(100, TimeUnit.MILLISECONDS))
        {
            if (stopProducers || stopConsumers)
            {
                throw new IllegalStateException("the run was called off before it started");
            }
        }
    }

    /** Stops producers and consumers. */
    void stopAll()
    {
        stopProducers = true;
        stopConsumers = true;
    }

    /** Ends the run once its result is taken, or it failed or was called off: the load threads close their ends. */
    void endRun()
    {
        ended.countDown();
    }

    /**
     * A load thread, last thing before it closes its link ends: waits for {@link #endRun()}. The ends stay open until
     * the run's result is taken, as the relay's figures of a subscriber (its drops, what it spilled) last only as long
     * as its connection.
     */
    void awaitEnd()
    {
        boolean interrupted = false;
        while (true)
        {
            try
            {
                ended.await();
                break;
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** Keeps the first failure and stops the run. */
    void fail(final Throwable ex)
    {
        failure.compareAndSet(null, ex);
        stopAll();
    }

    /**
     * @return the first failure of a load thread, or null.
     */
    Throwable failure()
    {
        return failure.get();
    }

    /**
     * Throws the first failure of a load thread, if there is one: as it is when it is an exception, else wrapped.
     *
     * @throws Exception the failure.
     */
    void rethrowFailure() throws Exception
    {
        final Throwable failed = failure.get();
        if (failed != null)
        {
            throw failed instanceof Exception e ? e : new IllegalStateException(failed);
        }
    }
}
