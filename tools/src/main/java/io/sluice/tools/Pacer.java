package io.sluice.tools;

import java.util.concurrent.TimeUnit;

/**
 * The schedule of a paced {@code produce} run: message {@code i} is due at {@code start + i / rate}, and that
 * intended time is its stamp however long the relay pushes back (coordinated omission). Unpaced, nothing is due
 * later than now and the stamp is 0. {@link PacingWait} waits for the times it gives.
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
}
