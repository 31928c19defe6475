package io.sluice.server.security;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connections one listener of the relay has open, and how many of them have not been welcomed yet, against its
 * limits. A connection past either limit is refused as it is accepted, before it costs a TLS handshake or a buffer.
 * Any thread.
 */
final class ConnectionLimits
{
    private final int maxConnections;
    private final int maxUnauthenticated;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger unauthenticated;

    /**
     * @param maxConnections most open at once.
     * @param maxUnauthenticated most open at once that have not been welcomed.
     * @param unauthenticated the count of those (the metrics' gauge, for the relay's port).
     */
    ConnectionLimits(final int maxConnections, final int maxUnauthenticated, final AtomicInteger unauthenticated)
    {
        this.maxConnections = maxConnections;
        this.maxUnauthenticated = maxUnauthenticated;
        this.unauthenticated = unauthenticated;
    }

    /**
     * A connection was accepted.
     *
     * @return null when it may stay, counted as unauthenticated; else the limit it would pass, and nothing counted.
     */
    SecurityMetrics.Limit tryOpen()
    {
        if (!takeBelow(open, maxConnections))
        {
            return SecurityMetrics.Limit.MAX_CONNECTIONS;
        }
        if (!takeBelow(unauthenticated, maxUnauthenticated))
        {
            open.decrementAndGet();
            return SecurityMetrics.Limit.MAX_UNAUTHENTICATED;
        }
        return null;
    }

    // One more unless that passes the limit; never above it, not even for a moment (the gauge shows the count).
    private static boolean takeBelow(final AtomicInteger count, final int max)
    {
        int now;
        do
        {
            now = count.get();
            if (now >= max)
            {
                return false;
            }
        }
        while (!count.compareAndSet(now, now + 1));
        return true;
    }

    /** A connection taken with {@link #tryOpen} was welcomed. */
    void authenticated()
    {
        unauthenticated.decrementAndGet();
    }

    /**
     * A connection taken with {@link #tryOpen} closed.
     *
     * @param authenticated whether it had been welcomed.
     */
    void closed(final boolean authenticated)
    {
        open.decrementAndGet();
        if (!authenticated)
        {
            unauthenticated.decrementAndGet();
        }
    }

    /** @return the most connections at once, for messages. */
    int maxConnections()
    {
        return maxConnections;
    }

    /** @return the most unauthenticated connections at once, for messages. */
    int maxUnauthenticated()
    {
        return maxUnauthenticated;
    }
}
