package io.sluice.server.config;

import io.sluice.server.drop.DropPolicySpec;

/**
 * Settings of one stream's subscriber lanes.
 *
 * @param strategy what a lane does when its subscriber falls behind.
 * @param laneBytes bytes of frames a lane may hold before it refuses more (then the strategy acts); the
 *                  subscriber's socket buffer and Netty's write-buffer high-water mark come on top.
 * @param laneRuns runs (batches of frames, one per producer read) a lane may hold; a second bound so that many
 *                 tiny runs cannot pin many read buffers.
 * @param memoryBytes size of a lane's memory tier (buffer and spill strategies), rounded down to a power of two.
 * @param spillQuotaBytes most disk a lane's disk tier may use (spill strategy).
 * @param onFull what a lane does when its tiers are full: throttle (nothing lost) or a drop policy, which needs a
 *               memory tier (strategy buffer or spill).
 * @param stuck when a subscription that takes no bytes counts as stalled, and what is done with it
 *              ({@code stuck-after}, {@code on-stuck}).
 * @param inactiveAfterMs how long a durable subscription may go without a connection before its disk tier is deleted
 *                        ({@code inactive-after}); 0 keeps it for ever.
 * @param ackWindow the most an acknowledging subscriber may have sent and not acknowledged ({@code ack-window},
 *                  {@code ack-window-bytes}).
 */
public record StreamConfig(Strategy strategy, long laneBytes, int laneRuns, long memoryBytes, long spillQuotaBytes,
    DropPolicySpec onFull, StuckPolicy stuck, long inactiveAfterMs, AckWindowLimit ackWindow)
{
    /** Default memory tier: 8 MiB. */
    public static final long DEFAULT_MEMORY_BYTES = 8L * 1024 * 1024;
    /** Default disk quota: 1 GiB. */
    public static final long DEFAULT_SPILL_QUOTA_BYTES = 1L << 30;

    /** Default bytes per lane. */
    public static final long DEFAULT_LANE_BYTES = 256 * 1024;
    /** Default runs per lane. */
    public static final int DEFAULT_LANE_RUNS = 256;
    /** Throttle with the default lane size. */
    public static final StreamConfig DEFAULT = new StreamConfig(Strategy.THROTTLE, DEFAULT_LANE_BYTES,
        DEFAULT_LANE_RUNS, DEFAULT_MEMORY_BYTES, DEFAULT_SPILL_QUOTA_BYTES);

    /** A lossless stream config: full lanes throttle. */
    public StreamConfig(final Strategy strategy, final long laneBytes, final int laneRuns, final long memoryBytes,
        final long spillQuotaBytes)
    {
        this(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes, DropPolicySpec.THROTTLE);
    }

    /** A stream config with the default stuck policy. */
    public StreamConfig(final Strategy strategy, final long laneBytes, final int laneRuns, final long memoryBytes,
        final long spillQuotaBytes, final DropPolicySpec onFull)
    {
        this(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes, onFull, StuckPolicy.DEFAULT);
    }

    /** A stream config that keeps durable subscriptions for ever. */
    public StreamConfig(final Strategy strategy, final long laneBytes, final int laneRuns, final long memoryBytes,
        final long spillQuotaBytes, final DropPolicySpec onFull, final StuckPolicy stuck)
    {
        this(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes, onFull, stuck, InactiveAfter.NEVER);
    }

    /** A stream config with the default acknowledgement window. */
    public StreamConfig(final Strategy strategy, final long laneBytes, final int laneRuns, final long memoryBytes,
        final long spillQuotaBytes, final DropPolicySpec onFull, final StuckPolicy stuck, final long inactiveAfterMs)
    {
        this(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes, onFull, stuck, inactiveAfterMs,
            AckWindowLimit.DEFAULT);
    }

    /**
     * @throws IllegalArgumentException naming the field that is out of range.
     */
    public StreamConfig
    {
        if (strategy == null)
        {
            throw new IllegalArgumentException("strategy is required");
        }
        if (laneBytes < 1024)
        {
            throw new IllegalArgumentException("lane-bytes must be at least 1KiB, was " + laneBytes);
        }
        if (laneRuns < 2 || Integer.bitCount(laneRuns) != 1)
        {
            throw new IllegalArgumentException("lane-runs must be a power of two >= 2, was " + laneRuns);
        }
        if (memoryBytes < 4 * 1024 || memoryBytes > (1L << 30))
        {
            throw new IllegalArgumentException("memory must be 4KiB..1GiB, was " + memoryBytes);
        }
        if (spillQuotaBytes < 1024 * 1024)
        {
            throw new IllegalArgumentException("spill-quota must be at least 1MiB, was " + spillQuotaBytes);
        }
        if (onFull == null)
        {
            throw new IllegalArgumentException("on-full is required");
        }
        if (stuck == null)
        {
            throw new IllegalArgumentException("on-stuck is required");
        }
        if (ackWindow == null)
        {
            throw new IllegalArgumentException("ack-window is required");
        }
        if (inactiveAfterMs < 0)
        {
            throw new IllegalArgumentException("inactive-after must be 0 (never) or positive, was " + inactiveAfterMs
                + " ms");
        }
        if (!onFull.isThrottle() && !strategy.hasMemoryTier())
        {
            throw new IllegalArgumentException("on-full " + onFull.name() + " needs a memory tier to drop from: use"
                + " strategy buffer or spill with it, or strategy " + onFull.name() + " (buffer, then " + onFull.name()
                + ")");
        }
    }

    /**
     * Applies a strategy as named in config: {@code throttle}, {@code buffer} or {@code spill} set the tiers and
     * keep the on-full policy; a drop policy's name ({@code drop-oldest}, ...) is short for {@code buffer} with
     * that policy on full.
     *
     * @throws IllegalArgumentException naming the known strategies when {@code name} is none of them.
     */
    public StreamConfig withStrategyName(final String name)
    {
        if (DropPolicySpec.DROP_POLICIES.contains(name))
        {
            return new StreamConfig(Strategy.BUFFER, laneBytes, laneRuns, memoryBytes, spillQuotaBytes,
                onFull.named(name), stuck, inactiveAfterMs, ackWindow);
        }
        final Strategy parsed;
        try
        {
            parsed = Strategy.parse(name);
        }
        catch (final IllegalArgumentException e)
        {
            throw new IllegalArgumentException("unknown strategy '" + name + "' (known: " + Strategy.names() + ", "
                + String.join(", ", DropPolicySpec.DROP_POLICIES) + ")");
        }
        return new StreamConfig(parsed, laneBytes, laneRuns, memoryBytes, spillQuotaBytes,
            parsed == Strategy.THROTTLE ? DropPolicySpec.THROTTLE : onFull, stuck, inactiveAfterMs, ackWindow);
    }

    /** @return a copy with another on-full policy. */
    public StreamConfig withOnFull(final DropPolicySpec onFull)
    {
        return new StreamConfig(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes, onFull, stuck,
            inactiveAfterMs, ackWindow);
    }

    /**
     * @return the strategy as users name it: {@code throttle}, {@code buffer}, {@code spill}, a drop policy's name
     * for buffer with that policy, or {@code spill+drop-newest} and the like.
     */
    public String label()
    {
        if (onFull.isThrottle())
        {
            return strategy.configName();
        }
        return strategy == Strategy.BUFFER ? onFull.name() : strategy.configName() + "+" + onFull.name();
    }

    /** @return a copy with another strategy. */
    public StreamConfig withStrategy(final Strategy strategy)
    {
        return new StreamConfig(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes,
            strategy == Strategy.THROTTLE ? DropPolicySpec.THROTTLE : onFull, stuck, inactiveAfterMs, ackWindow);
    }

    /** @return a copy with another lane size. */
    public StreamConfig withLaneBytes(final long laneBytes)
    {
        return new StreamConfig(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes, onFull, stuck,
            inactiveAfterMs, ackWindow);
    }

    /** @return a copy with another memory tier size. */
    public StreamConfig withMemoryBytes(final long memoryBytes)
    {
        return new StreamConfig(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes, onFull, stuck,
            inactiveAfterMs, ackWindow);
    }

    /** @return a copy with another disk quota. */
    public StreamConfig withSpillQuotaBytes(final long spillQuotaBytes)
    {
        return new StreamConfig(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes, onFull, stuck,
            inactiveAfterMs, ackWindow);
    }

    /** @return a copy with another stuck policy. */
    public StreamConfig withStuck(final StuckPolicy stuck)
    {
        return new StreamConfig(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes, onFull, stuck,
            inactiveAfterMs, ackWindow);
    }

    /** @return a copy with another acknowledgement window. */
    public StreamConfig withAckWindow(final AckWindowLimit ackWindow)
    {
        return new StreamConfig(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes, onFull, stuck,
            inactiveAfterMs, ackWindow);
    }

    /** @return a copy with another {@code inactive-after}. */
    public StreamConfig withInactiveAfterMs(final long inactiveAfterMs)
    {
        return new StreamConfig(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes, onFull, stuck,
            inactiveAfterMs, ackWindow);
    }
}
