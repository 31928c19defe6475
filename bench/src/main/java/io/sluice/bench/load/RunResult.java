package io.sluice.bench.load;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run measured. {@code expected = delivered + dropped + left}, where dropped is the larger of the drops
 * the consumers were told of and the relay's own count: {@code left} is what was still on its way (in the relay, on
 * disk, in a ring) when the drain time ran out.
 *
 * @param name the run's name, e.g. {@code overload/spill} or {@code max-throughput/nats-core}.
 * @param link what carried the messages: {@code sluice} or a peer's name.
 * @param strategy the relay strategy, or empty for a peer.
 * @param spec what was sent.
 * @param intended messages the schedule asked for (equal to sent when the link never pushed back).
 * @param sent messages the producers' offers succeeded for.
 * @param expected messages the consumers should receive: each consumer counts its stream's messages.
 * @param delivered messages the consumers received.
 * @param dropped messages the consumers were told were dropped (GAP notices).
 * @param droppedByReason the relay's own drop counters, by reason.
 * @param spilled messages the relay wrote to disk.
 * @param left expected minus delivered minus the larger of dropped and the relay's drop count: still on the way
 *             when the run ended.
 * @param backPressured offers refused because the link pushed back.
 * @param peakMemoryBytes most bytes the relay held in memory at once (sampled every 100 ms).
 * @param peakDiskBytes most bytes the relay's disk tiers used (sampled every 100 ms).
 * @param seconds the measured window (warmup excluded).
 * @param sentPerSecond messages sent per second in the measured window.
 * @param deliveredPerSecond messages delivered per second in the measured window.
 * @param latencyMicros latency from each message's intended send time to its delivery, measured window only.
 * @param stalls how often the machine stalled from the start of the measured window to the end of the drain.
 * @param timeline one point per second, warmup and drain included.
 */
public record RunResult(
    String name,
    String link,
    String strategy,
    LoadSpec spec,
    long intended,
    long sent,
    long expected,
    long delivered,
    long dropped,
    Map<String, Long> droppedByReason,
    long spilled,
    long left,
    long backPressured,
    long peakMemoryBytes,
    long peakDiskBytes,
    double seconds,
    double sentPerSecond,
    double deliveredPerSecond,
    Histogram latencyMicros,
    Stalls stalls,
    List<Point> timeline)
{
    /** Percentiles reported in JSON and tables. */
    public static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};

    /**
     * @param percentile e.g. 99.
     * @return latency at that percentile, in microseconds (0 when nothing was measured).
     */
    public long latency(final double percentile)
    {
        return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(percentile);
    }

    /** @return the result as JSON fields, in the order docs/bench.md documents. */
    public Map<String, Object> toJson()
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", name);
        json.put("link", link);
        json.put("strategy", strategy);
        json.put("spec", spec.toJson());
        json.put("intended", intended);
        json.put("sent", sent);
        json.put("expected", expected);
        json.put("delivered", delivered);
        json.put("dropped", dropped);
        json.put("droppedByReason", droppedByReason);
        json.put("spilled", spilled);
        json.put("left", left);
        json.put("backPressured", backPressured);
        json.put("peakMemoryBytes", peakMemoryBytes);
        json.put("peakDiskBytes", peakDiskBytes);
        json.put("seconds", round(seconds));
        json.put("sentPerSecond", round(sentPerSecond));
        json.put("deliveredPerSecond", round(deliveredPerSecond));
        final Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("count", latencyMicros.getTotalCount());
        latency.put("p50", latency(50));
        latency.put("p90", latency(90));
        latency.put("p99", latency(99));
        latency.put("p999", latency(99.9));
        latency.put("p9999", latency(99.99));
        latency.put("max", latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMaxValue());
        json.put("latencyMicros", latency);
        json.put("stalls", stalls.toJson());
        final List<Map<String, Object>> points = new ArrayList<>();
        for (final Point point : timeline)
        {
            points.add(point.toJson());
        }
        json.put("timeline", points);
        return json;
    }

    static double round(final double value)
    {
        return Math.round(value * 1000.0) / 1000.0;
    }

    /**
     * One second of a run.
     *
     * @param seconds since the run started.
     * @param inPerSecond messages sent per second over the last interval.
     * @param outPerSecond messages delivered per second over the last interval.
     * @param memoryBytes bytes the relay held in memory at the end of the interval.
     * @param diskBytes bytes the relay's disk tiers used at the end of the interval.
     * @param spilled messages spilled since the start.
     * @param dropped messages dropped since the start (as the consumers were told).
     * @param p99Micros latency p99 of the messages delivered in the interval.
     */
    public record Point(double seconds, double inPerSecond, double outPerSecond, long memoryBytes, long diskBytes,
                        long spilled, long dropped, long p99Micros)
    {
        Map<String, Object> toJson()
        {
            final Map<String, Object> json = new LinkedHashMap<>();
            json.put("t", round(seconds));
            json.put("inPerSecond", Math.round(inPerSecond));
            json.put("outPerSecond", Math.round(outPerSecond));
            json.put("memoryBytes", memoryBytes);
            json.put("diskBytes", diskBytes);
            json.put("spilled", spilled);
            json.put("dropped", dropped);
            json.put("p99Micros", p99Micros);
            return json;
        }
    }
}
