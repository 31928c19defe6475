package io.sluice.tools;

import io.sluice.core.util.EpochClock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The schedule of a paced {@code produce} run: message {@code i} is due at {@code start + i / rate}, and that
 * intended time is its stamp however long the relay pushes back (coordinated omission). Unpaced, nothing is due
 * later than now and the stamp is 0.
 */
final class Pacer
{
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final long startNanos;
    private final boolean paced;
    private final double nanosPerMessage;

    /**
     * @param startNanos when message 0 is due.
     * @param ratePerSecond messages per second, or 0 for as fast as possible.
     */
    Pacer(final long startNanos, final double ratePerSecond)
    {
        this.startNanos = startNanos;
        this.paced = ratePerSecond > 0;
        this.nanosPerMessage = paced ? SECOND_NANOS / ratePerSecond : 0;
    }

    boolean paced()
    {
        return paced;
    }

    /**
     * @param index the message's 0-based index.
     * @return its intended send time.
     */
    long intendedNanos(final long index)
    {
        return startNanos + (long)(index * nanosPerMessage);
    }

    /**
     * Waits until {@code target}, or until {@code running} turns false.
     *
     * @param target the time to wait for.
     * @param now the time now.
     * @param running false once the run is asked to stop.
     * @return the time when the wait ended.
     */
    static long awaitUntil(final long target, final long now, final BooleanSupplier running)
    {
        long time = now;
        while (time < target && running.getAsBoolean())
        {
            final long wait = target - time;
            if (wait > 100_000)
            {
                // parkNanos overshoots by tens of microseconds: park short of the target, spin the rest.
                LockSupport.parkNanos(wait - 60_000);
            }
            else
            {
                Thread.onSpinWait();
            }
            time = EpochClock.nanos();
        }
        return time;
    }
}
