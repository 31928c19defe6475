package io.sluice.server.tier.disk;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.DynamicCompositeAgent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The relay's one spill thread: every disk tier's Chronicle Queue work (open, append, read, delete, close) runs here,
 * never on a Netty event loop, because file growth and cycle rolls block for milliseconds. It is an {@link AgentRunner}
 * over a {@link DynamicCompositeAgent}: each tier's {@link DiskTierAgent} and each {@link SpillDuty} is a member, and
 * joining, leaving, failing and closing go through one path ({@link SpillThreadMembers}). Lanes hand frames over
 * through bounded queues and wake the thread; it idles with back-off when there is nothing to do.
 */
public final class SpillWorker implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(SpillWorker.class);

    private final DiskTierClaims claims = new DiskTierClaims();
    private final SpillThreadMembers members = new SpillThreadMembers();
    private final AgentRunner runner;
    private final Thread thread;

    public SpillWorker()
    {
        final DynamicCompositeAgent composite = new DynamicCompositeAgent("sluice-spill", members);
        members.memberOf(composite);
        runner = new AgentRunner(
            new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(10), TimeUnit.MILLISECONDS.toNanos(1)),
            ex -> LOG.error("spill thread", ex), null, composite);
        thread = AgentRunner.startOnThread(runner, task ->
        {
            final Thread spill = new Thread(task);
            spill.setDaemon(true);
            return spill;
        });
    }

    /** Runs {@code tier} on the spill thread until it has finished (its lane closed, or the worker closes). */
    void add(final DiskTierAgent tier)
    {
        members.join(tier);
        wake();
    }

    /**
     * Runs {@code duty} on the spill thread from now on: {@link Agent#doWork()} every loop, {@link Agent#onClose()}
     * when the worker closes (or when the duty throws, which is logged). For disk work that is not a lane's tier,
     * such as the relay's {@code io.sluice.spill.deadletter.DeadLetterStore}, whose first {@code doWork} opens its
     * store on this thread.
     *
     * @param duty the work.
     */
    void add(final Agent duty)
    {
        members.join(new SpillDuty(duty, members::leave));
        wake();
    }

    /** Spill thread: {@code agent} (a finished tier, a failed duty) leaves; its {@code onClose} runs on the way out. */
    void remove(final Agent agent)
    {
        members.leave(agent);
    }

    /** @return the spill thread's record of which tier holds which directory. */
    DiskTierClaims claims()
    {
        return claims;
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
        members.submit(() ->
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

    void wake()
    {
        LockSupport.unpark(thread);
    }

    boolean isSpillThread()
    {
        return Thread.currentThread() == thread;
    }

    /**
     * Lets every tier finish what it was handed (appends complete, stores close), then stops the thread. Waits as long
     * as that takes: what durable lanes handed over at close is bounded by their configuration, and nothing the relay
     * acknowledged may be left unwritten. Says every few seconds what it is waiting for. The runner is not asked to
     * close until the thread has ended, since it would interrupt a thread that takes longer than its timeout, and an
     * interrupt closes Chronicle's file channels under the tiers still writing.
     */
    @Override
    public void close()
    {
        members.stop();
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
                LOG.info("waiting for the spill thread to write what {} disk tiers hold ({} s so far)", claims.count(),
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
            }
        }
        runner.close();
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }
}
