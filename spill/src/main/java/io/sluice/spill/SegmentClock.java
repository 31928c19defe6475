package io.sluice.spill;

import net.openhft.chronicle.core.time.TimeProvider;

/**
 * The clock Chronicle Queue sees. Chronicle picks the cycle file an append goes to from its time provider; this one
 * reports the middle of a cycle chosen by {@link SpillStore}, so that the store (not the wall clock) decides when a new
 * cycle file starts: on the wall clock's schedule, when a file is large, when the backlog drains, and at every open.
 * Each roll moves to the wall clock's cycle or, if that is not later, to the next cycle; cycle numbers only grow, and a
 * wall clock that jumps backwards cannot send an append into an old, possibly damaged, file.
 *
 * <p>Until {@link #cycle(int, long, long)} is first called it passes the wall clock through.
 */
final class SegmentClock implements TimeProvider
{
    private static final long UNSET = Long.MIN_VALUE;

    private final TimeProvider wall;
    private volatile long millis = UNSET;
    private volatile int cycle = Integer.MIN_VALUE;

    SegmentClock(final TimeProvider wall)
    {
        this.wall = wall;
    }

    /**
     * Makes Chronicle see the middle of {@code cycle}.
     *
     * @param cycle        the cycle appends should go to.
     * @param epochMillis  the queue's epoch.
     * @param lengthMillis the roll cycle's length.
     */
    void cycle(final int cycle, final long epochMillis, final long lengthMillis)
    {
        this.millis = epochMillis + cycle * lengthMillis + lengthMillis / 2;
        this.cycle = cycle;
    }

    /**
     * @return the cycle set by {@link #cycle(int, long, long)}, or {@link Integer#MIN_VALUE} before.
     */
    int cycle()
    {
        return cycle;
    }

    @Override
    public long currentTimeMillis()
    {
        final long m = millis;
        return m == UNSET ? wall.currentTimeMillis() : m;
    }

    @Override
    public long currentTimeMicros()
    {
        return currentTimeMillis() * 1_000L;
    }

    @Override
    public long currentTimeNanos()
    {
        return currentTimeMillis() * 1_000_000L;
    }
}
