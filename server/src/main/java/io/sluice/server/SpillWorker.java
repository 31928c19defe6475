package io.sluice.server;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The relay's one spill thread: every disk tier's Chronicle Queue work (open, append, read, delete, close) runs
 * here, never on a Netty event loop, because file growth and cycle rolls block for milliseconds. Lanes hand frames
 * over through bounded queues and wake the thread; it idles with back-off when there is nothing to do.
 */
final class SpillWorker implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(SpillWorker.class);

    private final CopyOnWriteArrayList<ChronicleDiskTier> tiers = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Agent> duties = new CopyOnWriteArrayList<>();
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    SpillWorker()
    {
        thread = new Thread(this::run, "sluice-spill");
        thread.setDaemon(true);
        thread.start();
    }

    void add(final ChronicleDiskTier tier)
    {
        tiers.add(tier);
        wake();
    }

    /**
     * Runs {@code duty} on the spill thread from now on: {@link Agent#doWork()} every loop, {@link Agent#onClose()}
     * when the worker closes (or when the duty throws, which is logged). For disk work that is not a lane's tier, such
     * as the relay's {@code io.sluice.spill.DeadLetterStore}, whose first {@code doWork} opens its store on this thread.
     *
     * @param duty the work.
     */
    void add(final Agent duty)
    {
        duties.add(duty);
        wake();
    }

    /**
     * Runs {@code task} once on the spill thread, before the tiers' next turn.
     *
     * @param task the work; what it throws is logged.
     * @return completes when the task has run (exceptionally with what it threw).
     */
    CompletableFuture<Void> submit(final Runnable task)
    {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        tasks.add(() ->
        {
            try
            {
                task.run();
                done.complete(null);
            }
            catch (final Throwable ex)
            {
                done.completeExceptionally(ex);
                throw ex;
            }
        });
        wake();
        return done;
    }

    /**
     * Spill thread: whether a tier added before {@code tier} still holds its directory (a durable subscription's
     * previous connection, closing): {@code tier} must not open it before that one has finished.
     */
    boolean heldByAnother(final ChronicleDiskTier tier)
    {
        for (final ChronicleDiskTier other : tiers)
        {
            if (other == tier)
            {
                return false;
            }
            if (!other.isFinished() && other.directory().equals(tier.directory()))
            {
                return true;
            }
        }
        return false;
    }

    void wake()
    {
        LockSupport.unpark(thread);
    }

    boolean isSpillThread()
    {
        return Thread.currentThread() == thread;
    }

    private void run()
    {
        final IdleStrategy idle = new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(10),
            TimeUnit.MILLISECONDS.toNanos(1));
        while (running)
        {
            int work = runTasks();
            for (final ChronicleDiskTier tier : tiers)
            {
                try
                {
                    work += tier.doWork();
                }
                catch (final Throwable ex)
                {
                    // An Error too (an InternalError from a fault in a mapped file, an OutOfMemoryError): it fails
                    // this tier, and the thread goes on for every other tier and duty.
                    fail(tier, ex);
                }
                if (tier.isFinished())
                {
                    tiers.remove(tier);
                }
            }
            for (final Agent duty : duties)
            {
                try
                {
                    work += duty.doWork();
                }
                catch (final Throwable ex)
                {
                    LOG.error("spill thread duty {} failed; stopped it", duty.roleName(), ex);
                    duties.remove(duty);
                    closeDuty(duty);
                }
            }
            idle.idle(work);
        }
        runTasks();
        for (final ChronicleDiskTier tier : tiers)
        {
            while (!tier.isFinished())
            {
                try
                {
                    tier.shutdown();
                }
                catch (final Throwable ex)
                {
                    fail(tier, ex);
                }
            }
        }
        tiers.clear();
        for (final Agent duty : duties)
        {
            closeDuty(duty);
        }
        duties.clear();
    }

    private static void fail(final ChronicleDiskTier tier, final Throwable cause)
    {
        try
        {
            tier.fail(cause);
        }
        catch (final Throwable ex)
        {
            ex.addSuppressed(cause);
            LOG.error("disk tier {}: failing it failed too", tier, ex);
        }
    }

    private int runTasks()
    {
        int work = 0;
        Runnable task;
        while ((task = tasks.poll()) != null)
        {
            try
            {
                task.run();
            }
            catch (final Throwable ex)
            {
                LOG.error("spill thread task failed", ex);
            }
            work++;
        }
        return work;
    }

    private static void closeDuty(final Agent duty)
    {
        try
        {
            duty.onClose();
        }
        catch (final Throwable ex)
        {
            LOG.error("closing spill thread duty {}", duty.roleName(), ex);
        }
    }

    /**
     * Lets every tier finish what it was handed (appends complete, stores close), then stops the thread. Waits as long
     * as that takes: what durable lanes handed over at close is bounded by their configuration, and nothing the relay
     * acknowledged may be left unwritten. Says every few seconds what it is waiting for.
     */
    @Override
    public void close()
    {
        running = false;
        wake();
        final long start = System.nanoTime();
        boolean interrupted = false;
        while (thread.isAlive())
        {
            try
            {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
            if (thread.isAlive())
            {
                LOG.info("waiting for the spill thread to write what {} disk tiers hold ({} s so far)", tiers.size(),
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }
}
