package io.sluice.server.lane;

/**
 * How long a lane has held producers paused, summed over producers (two producers held for a second add two), with
 * holds in progress counted up to the moment of reading, so that a lane holding its producers forever shows it.
 * <p>
 * Producers' event loops start and end holds; any thread reads. A lock rather than atomics: start and end change two
 * numbers (holds in progress and the sum of their start times) that a reader must see together, or it would count a
 * hold's start time as held time for a moment. It is taken once per hold, never per message.
 */
public final class HoldClock
{
    private long endedNanos;
    private long sinceSum;
    private int holding;

    /**
     * @param sinceNanos {@link System#nanoTime()} when the hold began.
     */
    public synchronized void start(final long sinceNanos)
    {
        holding++;
        sinceSum += sinceNanos;
    }

    /**
     * @param sinceNanos when the hold began, as given to {@link #start}.
     * @param nowNanos {@link System#nanoTime()} now.
     */
    public synchronized void end(final long sinceNanos, final long nowNanos)
    {
        holding--;
        sinceSum -= sinceNanos;
        endedNanos += nowNanos - sinceNanos;
    }

    /** @return producers held now. */
    synchronized int holding()
    {
        return holding;
    }

    /**
     * @param nowNanos {@link System#nanoTime()} now.
     * @return nanoseconds producers have been held, holds in progress included.
     */
    synchronized long heldNanos(final long nowNanos)
    {
        return endedNanos + Math.max(0, holding * nowNanos - sinceSum);
    }
}
