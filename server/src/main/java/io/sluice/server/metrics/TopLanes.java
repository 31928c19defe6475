package io.sluice.server.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the subscriber lanes of {@code sluice top} out of two scrapes and puts them in the screen's order: lanes
 * grouped by stream, and both streams and each stream's lanes largest lag first, so that what to look at comes to
 * the top. A lane is known by its stream, subscriber, subscription and strategy labels.
 */
final class TopLanes
{
    private TopLanes()
    {
    }

    /**
     * @param now the latest scrape.
     * @param before the scrape before, or null.
     * @return each stream's lanes, largest lag first; streams in name order.
     */
    static Map<String, List<TopLane>> byStream(final PrometheusText now, final PrometheusText before)
    {
        final Map<String, Double> accepted = byLane(now, MetricNames.SUBSCRIBER_ACCEPTED_MESSAGES);
        final Map<String, Double> acceptedBefore = byLane(before, MetricNames.SUBSCRIBER_ACCEPTED_MESSAGES);
        final Map<String, Double> sentBefore = byLane(before, MetricNames.SUBSCRIBER_SENT_MESSAGES);
        final Map<String, Double> waiting = byLane(now, MetricNames.SUBSCRIBER_WAITING_MESSAGES);
        final Map<String, Double> queued = byLane(now, MetricNames.SUBSCRIBER_QUEUED_BYTES);
        final Map<String, Double> queuedLimit = byLane(now, MetricNames.SUBSCRIBER_QUEUED_LIMIT_BYTES);
        final Map<String, Double> memory = byLane(now, MetricNames.SUBSCRIBER_MEMORY_BYTES);
        final Map<String, Double> memoryLimit = byLane(now, MetricNames.SUBSCRIBER_MEMORY_LIMIT_BYTES);
        final Map<String, Double> disk = byLane(now, MetricNames.SUBSCRIBER_DISK_BYTES);
        final Map<String, Double> diskLimit = byLane(now, MetricNames.SUBSCRIBER_DISK_LIMIT_BYTES);
        final Map<String, Double> spilled = byLane(now, MetricNames.SUBSCRIBER_SPILLED_MESSAGES);
        final Map<String, Double> dropped = byLane(now, MetricNames.SUBSCRIBER_DROPPED_MESSAGES);
        final Map<String, Double> lag = byLane(now, MetricNames.SUBSCRIBER_LAG_SECONDS);
        final Map<String, Double> held = byLane(now, MetricNames.PRODUCER_THROTTLED_SECONDS);
        final Map<String, Double> heldBefore = byLane(before, MetricNames.PRODUCER_THROTTLED_SECONDS);
        final Map<String, String> states = labelOfSet(now, MetricNames.SUBSCRIBER_STATE, MetricNames.STATE);
        final Map<String, Double> stuck = byLane(now, MetricNames.SUBSCRIBER_STUCK);
        final Map<String, String> tiers = labelOfSet(now, MetricNames.SUBSCRIBER_TIER, MetricNames.TIER);
        final Map<String, List<TopLane>> byStream = new TreeMap<>();
        final TreeMap<String, PrometheusText.Sample> sorted = new TreeMap<>();
        for (final PrometheusText.Sample s : now.samples(MetricNames.SUBSCRIBER_SENT_MESSAGES))
        {
            sorted.put(laneKey(s), s);
        }
        for (final Map.Entry<String, PrometheusText.Sample> e : sorted.entrySet())
        {
            final String key = e.getKey();
            final PrometheusText.Sample s = e.getValue();
            final TopLane lane = new TopLane(s.label(MetricNames.SUBSCRIBER), s.label(MetricNames.SUBSCRIPTION),
                s.label(MetricNames.STRATEGY), tiers.getOrDefault(key, TopScreen.NONE));
            lane.sent = s.value();
            lane.sentBefore = sentBefore.get(key);
            lane.accepted = accepted.getOrDefault(key, 0.0);
            lane.acceptedBefore = acceptedBefore.get(key);
            lane.waiting = waiting.getOrDefault(key, 0.0);
            lane.queued = queued.getOrDefault(key, 0.0);
            lane.queuedFill = share(lane.queued, queuedLimit.get(key));
            lane.memory = memory.getOrDefault(key, 0.0);
            lane.memoryFill = share(lane.memory, memoryLimit.get(key));
            lane.disk = disk.getOrDefault(key, 0.0);
            lane.diskFill = share(lane.disk, diskLimit.get(key));
            lane.spilled = spilled.getOrDefault(key, 0.0);
            lane.dropped = dropped.getOrDefault(key, 0.0);
            lane.lag = lag.getOrDefault(key, Double.NaN);
            lane.held = held.getOrDefault(key, 0.0);
            lane.heldBefore = heldBefore.get(key);
            // Stuck for stuck-after says more than the last interval's state (stalled): on-stuck is about to act.
            lane.state = stuck.getOrDefault(key, 0.0) > 0 ? "stuck" : states.getOrDefault(key, TopScreen.NONE);
            byStream.computeIfAbsent(s.label(MetricNames.STREAM), k -> new ArrayList<>()).add(lane);
        }
        for (final List<TopLane> lanes : byStream.values())
        {
            lanes.sort(Comparator.comparingDouble((TopLane l) -> -orZero(l.lag)));
        }
        return byStream;
    }

    /**
     * @param streams the streams that received anything.
     * @param lanesByStream their lanes, from {@link #byStream}.
     * @return every stream, largest lag first, then by name.
     */
    static List<String> streamsByLag(final Set<String> streams, final Map<String, List<TopLane>> lanesByStream)
    {
        final TreeMap<String, Double> lagByStream = new TreeMap<>();
        streams.forEach(n -> lagByStream.put(n, 0.0));
        lanesByStream.forEach((n, lanes) -> lagByStream.put(n, largestLag(lanes)));
        final List<String> names = new ArrayList<>(lagByStream.keySet());
        names.sort(Comparator.comparingDouble((String n) -> -lagByStream.get(n)));
        return names;
    }

    /** @return the largest lag of a stream's lanes, an unknown lag counting as 0: the stream's lag. */
    static double largestLag(final List<TopLane> lanes)
    {
        return lanes.stream().mapToDouble(l -> orZero(l.lag)).max().orElse(0);
    }

    /** @return a metric's values summed by stream, in the order the streams first appear. */
    static Map<String, Double> sumByStream(final PrometheusText text, final String name)
    {
        final Map<String, Double> map = new LinkedHashMap<>();
        for (final PrometheusText.Sample s : text.samples(name))
        {
            map.merge(s.label(MetricNames.STREAM), s.value(), Double::sum);
        }
        return map;
    }

    private static String laneKey(final PrometheusText.Sample s)
    {
        return s.label(MetricNames.STREAM) + '\u0000' + s.label(MetricNames.SUBSCRIBER) + '\u0000'
            + s.label(MetricNames.SUBSCRIPTION) + '\u0000' + s.label(MetricNames.STRATEGY);
    }

    private static Map<String, Double> byLane(final PrometheusText text, final String name)
    {
        final Map<String, Double> map = new LinkedHashMap<>();
        if (text != null)
        {
            for (final PrometheusText.Sample s : text.samples(name))
            {
                map.merge(laneKey(s), s.value(), Double::sum);
            }
        }
        return map;
    }

    // An enum-like gauge (one sample per value, 1 for the current one): each lane's current value of the label.
    private static Map<String, String> labelOfSet(final PrometheusText text, final String name, final String label)
    {
        final Map<String, String> values = new LinkedHashMap<>();
        for (final PrometheusText.Sample s : text.samples(name))
        {
            if (s.value() > 0)
            {
                values.put(laneKey(s), s.label(label));
            }
        }
        return values;
    }

    private static double orZero(final double value)
    {
        return Double.isNaN(value) ? 0 : value;
    }

    private static double share(final double used, final Double limit)
    {
        return limit == null || limit <= 0 ? Double.NaN : used / limit;
    }
}
