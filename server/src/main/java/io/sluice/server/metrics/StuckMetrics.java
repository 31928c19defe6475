package io.sluice.server.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.sluice.server.stream.StreamSnapshot;

import java.util.List;

/** The per-stream series of {@code on-stuck}: subscriptions closed by action, and the messages evicted lanes held. */
final class StuckMetrics
{
    private StuckMetrics()
    {
    }

    static void addStreams(final List<StreamSnapshot> streams, final List<Labels> labels,
        final List<MetricSnapshot> out)
    {
        final CounterSnapshot.Builder closed = CounterSnapshot.builder()
            .name(MetricNames.base(MetricNames.STREAM_STUCK_CLOSED))
            .help("Stuck subscriptions the stream's on-stuck closed, by action (evict, detach)");
        for (int i = 0; i < streams.size(); i++)
        {
            closed.dataPoint(CounterDataPointSnapshot.builder()
                .labels(labels.get(i).add(MetricNames.ACTION, "evict")).value(streams.get(i).evicted()).build());
            closed.dataPoint(CounterDataPointSnapshot.builder()
                .labels(labels.get(i).add(MetricNames.ACTION, "detach")).value(streams.get(i).detached()).build());
        }
        out.add(closed.build());
        out.add(RelaySnapshotCollector.counter(MetricNames.STREAM_EVICTED_MESSAGES, null,
            "Messages the lanes of evicted subscribers held and released: accepted, never delivered",
            streams, labels, StreamSnapshot::evictedMessages));
    }
}
