package io.sluice.server;

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
 */
public record StreamConfig(Strategy strategy, long laneBytes, int laneRuns, long memoryBytes, long spillQuotaBytes)
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
    public static final StreamConfig DEFAULT = new StreamConfig(Strategy.THROTTLE, DEFAULT_LANE_BYTES, DEFAULT_LANE_RUNS,
        DEFAULT_MEMORY_BYTES, DEFAULT_SPILL_QUOTA_BYTES);

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
        if (memoryBytes < 64 * 1024 || memoryBytes > (1L << 30))
        {
            throw new IllegalArgumentException("memory must be 64KiB..1GiB, was " + memoryBytes);
        }
        if (spillQuotaBytes < 1024 * 1024)
        {
            throw new IllegalArgumentException("spill-quota must be at least 1MiB, was " + spillQuotaBytes);
        }
    }

    /** @return a copy with another strategy. */
    public StreamConfig withStrategy(final Strategy strategy)
    {
        return new StreamConfig(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes);
    }

    /** @return a copy with another lane size. */
    public StreamConfig withLaneBytes(final long laneBytes)
    {
        return new StreamConfig(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes);
    }

    /** @return a copy with another memory tier size. */
    public StreamConfig withMemoryBytes(final long memoryBytes)
    {
        return new StreamConfig(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes);
    }

    /** @return a copy with another disk quota. */
    public StreamConfig withSpillQuotaBytes(final long spillQuotaBytes)
    {
        return new StreamConfig(strategy, laneBytes, laneRuns, memoryBytes, spillQuotaBytes);
    }
}
