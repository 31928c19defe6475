package io.sluice.core.util;

import org.slf4j.Logger;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets at most {@code permitsPerSecond} WARN lines through per second and counts the rest, so that a flood
 * of bad clients cannot flood the log. The first line after a suppressed stretch says how many were dropped.
 */
public final class RateLimitedLogger
{
    private final Logger logger;
    private final int permitsPerSecond;
    private final AtomicLong windowStartNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong usedInWindow = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    /**
     * @param logger where lines go.
     * @param permitsPerSecond lines allowed per second.
     */
    public RateLimitedLogger(final Logger logger, final int permitsPerSecond)
    {
        this.logger = logger;
        this.permitsPerSecond = permitsPerSecond;
    }

    /**
     * Logs at WARN when the rate allows, else counts the line as suppressed.
     *
     * @param format SLF4J format.
     * @param args arguments.
     */
    public void warn(final String format, final Object... args)
    {
        if (tryAcquire())
        {
            final long dropped = suppressed.getAndSet(0);
            if (dropped > 0)
            {
                logger.warn("{} similar warnings suppressed by the rate limit", dropped);
            }
            logger.warn(format, args);
        }
        else
        {
            suppressed.incrementAndGet();
        }
    }

    /**
     * @return warnings suppressed and not yet reported.
     */
    public long suppressedCount()
    {
        return suppressed.get();
    }

    private boolean tryAcquire()
    {
        final long now = System.nanoTime();
        final long start = windowStartNanos.get();
        if (now - start >= TimeUnit.SECONDS.toNanos(1) && windowStartNanos.compareAndSet(start, now))
        {
            usedInWindow.set(0);
        }
        return usedInWindow.incrementAndGet() <= permitsPerSecond;
    }
}
