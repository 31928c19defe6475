package io.sluice.server.metrics;

/**
 * The figures of one subscriber's row of {@code sluice top}, from two scrapes; for a stream's row, the sum of its
 * subscribers' (fills: the fullest, strategy: theirs or "mixed"). A counter's value in the scrape before is null
 * when the lane was not there yet, so that its rate shows as unknown rather than as everything since it began.
 */
final class TopLane
{
    final String subscriber;
    final String subscription;
    String strategy;
    final String tier;
    double sent;
    Double sentBefore;
    double accepted;
    Double acceptedBefore;
    double waiting;
    double queued;
    double queuedFill = Double.NaN;
    double memory;
    double memoryFill = Double.NaN;
    double disk;
    double diskFill = Double.NaN;
    double spilled;
    double dropped;
    double lag = Double.NaN;
    double held;
    Double heldBefore;
    String state = TopScreen.NONE;

    TopLane(final String subscriber, final String subscription, final String strategy, final String tier)
    {
        this.subscriber = subscriber;
        this.subscription = subscription;
        this.strategy = strategy;
        this.tier = tier;
    }

    /** Adds a subscriber's figures to a stream's row. */
    void add(final TopLane lane)
    {
        strategy = strategy == null || strategy.equals(lane.strategy) ? lane.strategy : "mixed";
        waiting += lane.waiting;
        queued += lane.queued;
        queuedFill = max(queuedFill, lane.queuedFill);
        memory += lane.memory;
        memoryFill = max(memoryFill, lane.memoryFill);
        disk += lane.disk;
        diskFill = max(diskFill, lane.diskFill);
        spilled += lane.spilled;
        dropped += lane.dropped;
    }

    /** @return the rate of a counter per second, or NaN when unknown (no earlier value, or the counter restarted). */
    double rate(final double now, final Double before, final double seconds)
    {
        return before == null || seconds <= 0 || now < before ? Double.NaN : (now - before) / seconds;
    }

    private static double max(final double a, final double b)
    {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
    }
}
