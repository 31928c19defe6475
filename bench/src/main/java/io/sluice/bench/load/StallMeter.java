package io.sluice.bench.load;

import io.sluice.core.util.EpochClock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Sees the machine stall, after jHiccup: a daemon thread parks for a millisecond at a time and records how late it
 * wakes. A pause of the whole machine, the scheduler keeping the bench off its cores, or the bench's own GC and
 * safepoints all show up as a late wake-up, whatever the links under test were doing; a run's latency percentiles
 * are only as good as the machine was quiet while it ran.
 * <p>
 * A run {@linkplain #reset resets} the meter at its start and {@linkplain #read reads} it at its end. The recording
 * ({@link #wokeUp}) takes the times it is given, so it can be driven without the thread. Cost: one wake-up a
 * millisecond, nothing per message.
 */
public final class StallMeter
{
    /** A wake-up at least this late is a stall. */
    public static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private long fromNanos = Long.MIN_VALUE;
    private long count;
    private long longestNanos;

    StallMeter()
    {
    }

    /** @return the process's meter, its thread running. */
    public static StallMeter running()
    {
        return Running.METER;
    }

    /**
     * Forgets what was recorded and counts from now on only the wake-ups at or after {@code fromNanos}: a stall
     * still under way at that time counts, one over before it does not.
     *
     * @param fromNanos {@link EpochClock#nanos()} from which stalls matter, e.g. the start of a run's measured window.
     */
    public synchronized void reset(final long fromNanos)
    {
        this.fromNanos = fromNanos;
        count = 0;
        longestNanos = 0;
    }

    /**
     * Records one wake-up.
     *
     * @param expectedNanos when the thread asked to wake, {@link EpochClock#nanos()}.
     * @param actualNanos when it woke.
     */
    public synchronized void wokeUp(final long expectedNanos, final long actualNanos)
    {
        if (actualNanos < fromNanos)
        {
            return;
        }
        final long late = Math.max(0, actualNanos - expectedNanos);
        if (late >= STALL_NANOS)
        {
            count++;
        }
        longestNanos = Math.max(longestNanos, late);
    }

    /** @return what was recorded since the last reset. */
    public synchronized Stalls read()
    {
        return new Stalls(count, TimeUnit.NANOSECONDS.toMicros(longestNanos));
    }

    // Started on first use only: a meter driven by hand has no thread.
    private static final class Running
    {
        static final StallMeter METER = new StallMeter();

        static
        {
            final Thread thread = new Thread(METER::tick, "sluice-bench-stall-meter");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void tick()
    {
        while (true)
        {
            final long expected = EpochClock.nanos() + TICK_NANOS;
            LockSupport.parkNanos(TICK_NANOS);
            wokeUp(expected, EpochClock.nanos());
        }
    }
}
