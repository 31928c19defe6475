package io.sluice.tools;

import io.sluice.core.util.EpochClock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * A paced run's wait for a message's intended send time, or until the run is stopped, that does not leave the
 * connection alone: it flushes before it waits (a paced message must not sit in a buffer until the next one is due),
 * and parks at most {@link #MAX_PARK_NANOS} at a time with a duty cycle after each, so that a slow run
 * ({@code --rate 2}) of a publication its own thread writes still reads the relay's ACKs and sends its heartbeats well
 * within the relay's heartbeat interval (1 s by default), instead of being closed for silence. The same holds for a
 * client in the invoker mode, whose loop runs on the waiting thread only; {@link Reconnector} waits between its tries
 * with it too.
 */
final class PacingWait
{
    /** The longest park between two duty cycles. */
    static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    // parkNanos overshoots by tens of microseconds: park short of the target and spin the rest.
    private static final long SPIN_NANOS = 100_000;
    private static final long PARK_SHORT_NANOS = 60_000;

    private final BooleanSupplier running;
    private final LongSupplier clock;
    private final LongConsumer park;

    /**
     * @param running false once the run is asked to stop.
     */
    PacingWait(final BooleanSupplier running)
    {
        this(running, EpochClock::nanos, LockSupport::parkNanos);
    }

    /**
     * @param running false once the run is asked to stop.
     * @param clock the epoch clock the schedule is on.
     * @param park parks the thread for the nanoseconds given (or less).
     */
    PacingWait(final BooleanSupplier running, final LongSupplier clock, final LongConsumer park)
    {
        this.running = running;
        this.clock = clock;
        this.park = park;
    }

    /**
     * Waits until {@code target}, or until the run is stopped.
     *
     * @param target the time to wait for.
     * @param now the time now.
     * @param duty what the publication needs of the thread around the wait.
     * @return the time when the wait ended.
     */
    long until(final long target, final long now, final DutyCycle duty)
    {
        long time = now;
        if (time < target)
        {
            duty.flush();
        }
        while (time < target && running.getAsBoolean())
        {
            final long wait = target - time;
            if (wait > SPIN_NANOS)
            {
                park.accept(Math.min(wait - PARK_SHORT_NANOS, MAX_PARK_NANOS));
                duty.doWork();
            }
            else
            {
                Thread.onSpinWait();
            }
            time = clock.getAsLong();
        }
        return time;
    }
}
