package io.sluice.server.config;

/**
 * When a stream's subscription counts as stuck, and what is done with it then.
 *
 * @param onStuck what to do with a stuck subscription.
 * @param stuckAfterMs how long a subscription may have frames waiting without its connection taking a byte of them
 *                     before it is marked stuck; positive.
 */
public record StuckPolicy(OnStuck onStuck, long stuckAfterMs)
{
    /**
     * Default stuck-after: 30 s. Far beyond any pause of a live reader (a GC, a rebalance, a slow disk) yet short
     * enough that a reader that stopped cannot hold its stream's producers for long.
     */
    public static final long DEFAULT_STUCK_AFTER_MS = 30_000;

    /**
     * Mark after 30 s, act only when asked: progress is seen at the relay's socket, where a live but very slow reader
     * (or a Kafka sink during an outage) can look stopped, and evicting a non-durable subscription loses what it held.
     */
    public static final StuckPolicy DEFAULT = new StuckPolicy(OnStuck.WAIT, DEFAULT_STUCK_AFTER_MS);

    /**
     * @throws IllegalArgumentException naming the field that is out of range.
     */
    public StuckPolicy
    {
        if (onStuck == null)
        {
            throw new IllegalArgumentException("on-stuck is required");
        }
        if (stuckAfterMs <= 0)
        {
            throw new IllegalArgumentException("stuck-after must be positive, was " + stuckAfterMs + " ms");
        }
    }

    /** @return a copy with another action. */
    public StuckPolicy withOnStuck(final OnStuck action)
    {
        return new StuckPolicy(action, stuckAfterMs);
    }

    /** @return a copy with another time. */
    public StuckPolicy withStuckAfterMs(final long millis)
    {
        return new StuckPolicy(onStuck, millis);
    }
}
