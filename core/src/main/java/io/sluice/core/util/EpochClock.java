package io.sluice.core.util;

import java.time.Instant;

/**
 * The clock stamped into every frame: epoch nanoseconds as {@link System#nanoTime()} plus an offset measured once
 * against the wall clock, so reading it allocates nothing and is monotonic within a process.
 * <p>
 * The offset comes from {@link Instant#now()}, which has microsecond resolution on Linux, taken as the
 * tightest of several samples bracketed by {@code nanoTime} reads; two processes on one machine therefore agree
 * to within a few microseconds, which is what latency measured across processes needs. (A wall clock read at
 * millisecond resolution would put up to a millisecond of error into every cross-process latency.)
 */
public final class EpochClock
{
    private static final long OFFSET_NANOS = measureOffset();

    private EpochClock()
    {
    }

    /**
     * @return nanoseconds since the epoch.
     */
    public static long nanos()
    {
        return System.nanoTime() + OFFSET_NANOS;
    }

    private static long measureOffset()
    {
        long bestWindow = Long.MAX_VALUE;
        long offset = 0;
        for (int i = 0; i < 1000; i++)
        {
            final long before = System.nanoTime();
            final Instant now = Instant.now();
            final long after = System.nanoTime();
            final long window = after - before;
            if (window < bestWindow)
            {
                bestWindow = window;
                final long epochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
                offset = epochNanos - (before + window / 2);
            }
        }
        return offset;
    }
}
