package io.sluice.core.util;

import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.OffsetEpochNanoClock;

/**
 * The clock stamped into every frame: epoch nanoseconds from one sample of the wall clock plus
 * {@link System#nanoTime()}, so reading it allocates nothing and is monotonic within a process. Two processes
 * on one machine agree to within the wall clock's resolution, which is what cross-process latency needs.
 */
public final class EpochClock
{
    private static final EpochNanoClock CLOCK = new OffsetEpochNanoClock();

    private EpochClock()
    {
    }

    /**
     * @return nanoseconds since the epoch.
     */
    public static long nanos()
    {
        return CLOCK.nanoTime();
    }
}
