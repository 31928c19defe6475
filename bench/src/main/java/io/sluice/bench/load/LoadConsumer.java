package io.sluice.bench.load;

import io.sluice.core.util.EpochClock;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One consumer of a {@link LoadRun}: a thread polling one inlet, paced while the load runs when the spec says so; or,
 * unpaced on a link that delivers by itself, a sink the link calls on its own thread, and a thread that only watches
 * for failure. The consumer's thread opens its inlet, before it says it runs, and closes it when the run ends: a link
 * end is opened, driven and closed by one thread.
 */
final class LoadConsumer implements Runnable, Link.Sink
{
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int POLL_LIMIT = 256;

    final Thread thread;
    final int stream;
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    // Down once this thread polls no more, before it waits for the end of the run to close its inlet.
    final CountDownLatch stopped = new CountDownLatch(1);

    private final LoadSpec spec;
    private final Link link;
    private final RunControl control;
    private final LatencyRecording latency;
    // Written by one thread: the consumer's, or the link's when it delivers.
    private long deliveredCount;
    private long droppedCount;

    LoadConsumer(final int stream, final LoadSpec spec, final Link link, final RunControl control,
        final LatencyRecording latency)
    {
        this.stream = stream;
        this.spec = spec;
        this.link = link;
        this.control = control;
        this.latency = latency;
        this.thread = new Thread(this, "bench-consumer-" + stream);
        this.thread.setDaemon(true);
    }

    @Override
    public void onMessage(final long timestampNanos)
    {
        latency.record(timestampNanos);
        delivered.lazySet(++deliveredCount);
    }

    @Override
    public void onDropped(final long count)
    {
        droppedCount += count;
        dropped.lazySet(droppedCount);
    }

    @Override
    public void run()
    {
        Link.Inlet inlet = null;
        try
        {
            // Open before this thread says it runs: no producer sends before every load thread did.
            final Link.Inlet pushing = spec.consumerRate() > 0 ? null : link.openInlet(stream, this);
            inlet = pushing != null ? pushing : link.openInlet(stream);
            control.awaitSchedule();
            consume(inlet, pushing != null);
        }
        catch (final Throwable ex)
        {
            control.fail(ex);
        }
        finally
        {
            stopped.countDown();
            control.awaitEnd();
            LoadRun.closeQuietly(inlet);
        }
    }

    private void consume(final Link.Inlet inlet, final boolean deliveredByLink) throws Exception
    {
        if (deliveredByLink)
        {
            while (!control.stopConsumers)
            {
                inlet.poll(this, 0);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            return;
        }
        final double rate = spec.consumerRate();
        final boolean paced = rate > 0;
        final double nanosPerMessage = paced ? SECOND_NANOS / rate : 0;
        final int pacedBatch = paced ? (int)Math.max(1, Math.min(POLL_LIMIT, rate / 1000)) : POLL_LIMIT;
        final BackoffIdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 100_000);
        long paceOrigin = EpochClock.nanos();
        long paceBase = 0;
        while (!control.stopConsumers)
        {
            int limit = POLL_LIMIT;
            if (paced && !control.draining)
            {
                final long now = EpochClock.nanos();
                final long due = deliveredCount - paceBase;
                final long dueAt = paceOrigin + (long)(due * nanosPerMessage);
                if (now < dueAt)
                {
                    LockSupport.parkNanos(Math.min(dueAt - now, 10_000_000));
                    continue;
                }
                final long allowed = 1 + (long)((now - paceOrigin) / nanosPerMessage) - due;
                limit = (int)Math.min(allowed, pacedBatch);
            }
            if (inlet.poll(this, limit) > 0)
            {
                idle.reset();
                continue;
            }
            if (paced)
            {
                // Starved, not slow: restart the schedule so the wait earns no credit for a later burst.
                paceOrigin = EpochClock.nanos();
                paceBase = deliveredCount;
            }
            idle.idle();
        }
    }
}
