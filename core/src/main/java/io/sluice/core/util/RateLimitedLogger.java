package io.sluice.core.util;

import org.slf4j.Logger;
import org.slf4j.event.Level;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets at most {@code permitsPerSecond} lines through per second and counts the rest, so that a flood of bad
 * clients cannot flood the log. The first line after a suppressed stretch says how many were dropped. One instance
 * is one budget: give each kind of line (per-connection INFO lines, protocol WARNs, internal ERRORs) its own, so
 * that a flood of one kind does not silence another.
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
     * Logs at INFO when the rate allows, else counts the line as suppressed.
     *
     * @param format SLF4J format.
     * @param args arguments.
     */
    public void info(final String format, final Object... args)
    {
        if (tryAcquire(Level.INFO))
        {
            logger.info(format, args);
        }
    }

    /**
     * Logs at WARN when the rate allows, else counts the line as suppressed.
     *
     * @param format SLF4J format.
     * @param args arguments.
     */
    public void warn(final String format, final Object... args)
    {
        if (tryAcquire(Level.WARN))
        {
            logger.warn(format, args);
        }
    }

    /**
     * Logs at ERROR when the rate allows, else counts the line as suppressed. A {@link Throwable} as the last
     * argument is logged with its stack trace, as SLF4J does.
     *
     * @param format SLF4J format.
     * @param args arguments.
     */
    public void error(final String format, final Object... args)
    {
        if (tryAcquire(Level.ERROR))
        {
            logger.error(format, args);
        }
    }

    /**
     * @return lines suppressed and not yet reported.
     */
    public long suppressedCount()
    {
        return suppressed.get();
    }

    /**
     * @return whether a line may be logged now (after a line saying how many were suppressed before it, if any);
     * counts it as suppressed when not.
     */
    private boolean tryAcquire(final Level level)
    {
        final long now = System.nanoTime();
        final long start = windowStartNanos.get();
        if (now - start >= TimeUnit.SECONDS.toNanos(1) && windowStartNanos.compareAndSet(start, now))
        {
            usedInWindow.set(0);
        }
        if (usedInWindow.incrementAndGet() <= permitsPerSecond)
        {
            final long dropped = suppressed.getAndSet(0);
            if (dropped > 0)
            {
                logger.atLevel(level).log("{} similar {} suppressed by the rate limit", dropped,
                    level == Level.WARN ? "warnings" : level == Level.ERROR ? "errors" : "lines");
            }
            return true;
        }
        suppressed.incrementAndGet();
        return false;
    }
}
