package io.sluice.server;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
            int work = 0;
            for (final ChronicleDiskTier tier : tiers)
            {
                try
                {
                    work += tier.doWork();
                    if (tier.isFinished())
                    {
                        tiers.remove(tier);
                    }
                }
                catch (final RuntimeException ex)
                {
                    LOG.error("disk tier {} failed; its lane falls back to its on-full policy", tier, ex);
                    tier.fail(ex);
                    tiers.remove(tier);
                }
            }
            for (final Agent duty : duties)
            {
                try
                {
                    work += duty.doWork();
                }
                catch (final Exception ex)
                {
                    LOG.error("spill thread duty {} failed; stopped it", duty.roleName(), ex);
                    duties.remove(duty);
                    closeDuty(duty);
                }
            }
            idle.idle(work);
        }
        for (final ChronicleDiskTier tier : tiers)
        {
            try
            {
                tier.shutdown();
            }
            catch (final RuntimeException ex)
            {
                LOG.error("closing disk tier {}", tier, ex);
            }
        }
        tiers.clear();
        for (final Agent duty : duties)
        {
            closeDuty(duty);
        }
        duties.clear();
    }

    private static void closeDuty(final Agent duty)
    {
        try
        {
            duty.onClose();
        }
        catch (final RuntimeException ex)
        {
            LOG.error("closing spill thread duty {}", duty.roleName(), ex);
        }
    }

    /**
     * Lets every tier finish what it was handed (appends complete, stores close), then stops the thread.
     */
    @Override
    public void close()
    {
        running = false;
        wake();
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
