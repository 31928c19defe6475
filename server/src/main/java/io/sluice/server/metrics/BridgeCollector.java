package io.sluice.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.sluice.server.bridge.BridgeSnapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Per-bridge metrics ({@code sluice_bridge_*}), read from the bridges' snapshots at scrape time, like
 * {@link RelaySnapshotCollector} does for streams and lanes.
 */
public final class BridgeCollector implements MultiCollector
{
    private final Supplier<List<BridgeSnapshot>> bridges;

    /**
     * @param bridges the relay's bridges' snapshots, taken at each scrape.
     */
    public BridgeCollector(final Supplier<List<BridgeSnapshot>> bridges)
    {
        this.bridges = bridges;
    }

    @Override
    public MetricSnapshots collect()
    {
        final List<BridgeSnapshot> all = bridges.get();
        final List<Labels> labels = new ArrayList<>(all.size());
        for (final BridgeSnapshot b : all)
        {
            labels.add(Labels.of(MetricNames.BRIDGE, b.name(), MetricNames.TYPE, b.type(), MetricNames.STREAM,
                b.stream()));
        }
        final List<MetricSnapshot> out = new ArrayList<>();
        final GaugeSnapshot.Builder info = GaugeSnapshot.builder().name(MetricNames.BRIDGE_INFO)
            .help("Always 1; the labels name the bridge, its type, its stream and what it connects the stream with");
        for (int i = 0; i < all.size(); i++)
        {
            info.dataPoint(GaugeDataPointSnapshot.builder()
                .labels(labels.get(i).add(MetricNames.TARGET, all.get(i).target())).value(1).build());
        }
        out.add(info.build());
        out.add(RelaySnapshotCollector.gauge(MetricNames.BRIDGE_UP, null,
            "1 while the bridge is healthy, 0 while its other system is unreachable or refuses it (see /health)",
            all, labels, b -> b.healthy() ? 1 : 0));
        out.add(RelaySnapshotCollector.gauge(MetricNames.BRIDGE_IN_FLIGHT, null,
            "Records sent and not yet confirmed", all, labels, BridgeSnapshot::inFlight));
        out.add(RelaySnapshotCollector.counter(MetricNames.BRIDGE_SENT, null,
            "Records handed on: to the other system (sinks), to the relay (sources)", all, labels,
            BridgeSnapshot::sent));
        out.add(RelaySnapshotCollector.counter(MetricNames.BRIDGE_CONFIRMED, null,
            "Records the receiving side confirmed", all, labels, BridgeSnapshot::confirmed));
        out.add(RelaySnapshotCollector.counter(MetricNames.BRIDGE_DEAD_LETTERED, null,
            "Failed records kept in the relay's dead-letter store", all, labels, BridgeSnapshot::deadLettered));
        out.add(RelaySnapshotCollector.gauge(MetricNames.BRIDGE_PAUSED_PARTITIONS, null,
            "Partitions a source has paused because the relay pushed back or the stream has no subscriber",
            all, labels, BridgeSnapshot::pausedPartitions));
        final GaugeSnapshot.Builder lag = GaugeSnapshot.builder().name(MetricNames.BRIDGE_LAG)
            .help("Records a source's topics hold that it has not taken yet");
        for (int i = 0; i < all.size(); i++)
        {
            if (all.get(i).lag() >= 0)
            {
                lag.dataPoint(GaugeDataPointSnapshot.builder().labels(labels.get(i)).value(all.get(i).lag()).build());
            }
        }
        out.add(lag.build());
        out.add(byName(MetricNames.BRIDGE_FAILED, "Records that failed for good, by reason", all, labels,
            MetricNames.REASON, BridgeSnapshot::failedByReason));
        out.add(byName(MetricNames.BRIDGE_EVENTS, "Occasional events of a bridge, by name", all, labels,
            MetricNames.EVENT, BridgeSnapshot::events));
        return new MetricSnapshots(out);
    }

    private static CounterSnapshot byName(final String name, final String help, final List<BridgeSnapshot> all,
        final List<Labels> labels, final String label,
        final java.util.function.Function<BridgeSnapshot, Map<String, Long>> counts)
    {
        final CounterSnapshot.Builder builder = CounterSnapshot.builder().name(MetricNames.base(name)).help(help);
        for (int i = 0; i < all.size(); i++)
        {
            for (final Map.Entry<String, Long> e : new java.util.TreeMap<>(counts.apply(all.get(i))).entrySet())
            {
                builder.dataPoint(CounterDataPointSnapshot.builder().labels(labels.get(i).add(label, e.getKey()))
                    .value(e.getValue()).build());
            }
        }
        return builder.build();
    }
}
