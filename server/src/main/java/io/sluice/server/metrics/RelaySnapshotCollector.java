package io.sluice.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import io.sluice.server.lane.LaneSnapshot;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.RelayMetrics;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.stream.StreamSnapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Per-stream and per-subscriber metrics, read from the relay's snapshots at scrape time. Streams and lanes come
 * and go; reading them when asked means a lane that has gone simply is not in the next scrape, and nothing needs
 * registering or removing. A scrape allocates a little; it runs on the endpoint's own thread, never on an event
 * loop.
 */
public final class RelaySnapshotCollector implements MultiCollector
{
    private static final double NANOS_PER_SECOND = 1e9;

    private final RelayMetrics metrics;
    private final RelayConfig config;
    private final LanesSampler sampler;

    /**
     * @param metrics the relay's metrics.
     * @param config the relay's settings, for each lane's configured size.
     * @param sampler the lanes view's sampler, for each lane's lag and state (shared with {@code /lanes}).
     */
    public RelaySnapshotCollector(final RelayMetrics metrics, final RelayConfig config, final LanesSampler sampler)
    {
        this.metrics = metrics;
        this.config = config;
        this.sampler = sampler;
    }

    @Override
    public MetricSnapshots collect()
    {
        final List<StreamSnapshot> streams = new ArrayList<>(metrics.streams());
        streams.sort(Comparator.comparing(StreamSnapshot::name));
        final List<LaneSnapshot> lanes = new ArrayList<>(metrics.lanes());
        lanes.sort(Comparator.comparing(LaneSnapshot::stream).thenComparing(LaneSnapshot::subscriber));

        final List<Labels> streamLabels = new ArrayList<>(streams.size());
        for (final StreamSnapshot s : streams)
        {
            streamLabels.add(Labels.of(MetricNames.STREAM, s.name()));
        }
        // Two lanes with the same labels would make the whole scrape fail; keep the first (it cannot happen while
        // a subscriber's address names one connection, but a scrape must never fail for it).
        final List<LaneSnapshot> keptLanes = new ArrayList<>(lanes.size());
        final List<Labels> laneLabels = new ArrayList<>(lanes.size());
        final Set<Labels> seen = new HashSet<>();
        for (final LaneSnapshot lane : lanes)
        {
            final Labels labels = Labels.of(
                MetricNames.STREAM, lane.stream(),
                MetricNames.SUBSCRIBER, subscriberAddress(lane.subscriber()),
                MetricNames.SUBSCRIPTION, lane.subscription() == null ? "" : lane.subscription(),
                MetricNames.STRATEGY, lane.strategy());
            if (seen.add(labels))
            {
                keptLanes.add(lane);
                laneLabels.add(labels);
            }
        }

        final List<MetricSnapshot> out = new ArrayList<>();
        out.add(counter(MetricNames.STREAM_RECEIVED_MESSAGES, null, "Messages received on the stream from publishers",
            streams, streamLabels, StreamSnapshot::messagesIn));
        out.add(counter(MetricNames.STREAM_RECEIVED_BYTES, Unit.BYTES, "Bytes received on the stream from publishers",
            streams, streamLabels, StreamSnapshot::bytesIn));
        out.add(counter(MetricNames.STREAM_UNROUTED_MESSAGES, null,
            "Messages received while the stream had no subscriber (not kept)",
            streams, streamLabels, StreamSnapshot::unrouted));
        out.add(counter(MetricNames.STREAM_GONE_WITH_PUBLISHER_MESSAGES, null,
            "Messages read from publishers whose connections ended before every lane took them (never acknowledged)",
            streams, streamLabels, StreamSnapshot::goneWithPublisher));
        out.add(counter(MetricNames.STREAM_THROTTLED_SECONDS, Unit.SECONDS,
            "Time the stream's publishers spent with reads paused by a full lane, all publishers summed",
            streams, streamLabels, s -> s.throttledNanos() / NANOS_PER_SECOND));
        out.add(gauge(MetricNames.STREAM_PUBLISHERS, null, "Publishers of the stream connected now",
            streams, streamLabels, StreamSnapshot::publishers));
        out.add(gauge(MetricNames.STREAM_SUBSCRIBERS, null, "Subscribers of the stream connected now",
            streams, streamLabels, StreamSnapshot::subscribers));
        StuckMetrics.addStreams(streams, streamLabels, out);

        out.add(counter(MetricNames.SUBSCRIBER_ACCEPTED_MESSAGES, null,
            "Messages the subscriber's lane accepted from publishers",
            keptLanes, laneLabels, LaneSnapshot::messagesIn));
        out.add(counter(MetricNames.SUBSCRIBER_ACCEPTED_BYTES, Unit.BYTES,
            "Bytes of the messages the subscriber's lane accepted",
            keptLanes, laneLabels, LaneSnapshot::bytesIn));
        out.add(counter(MetricNames.SUBSCRIBER_SENT_MESSAGES, null, "Messages written to the subscriber's connection",
            keptLanes, laneLabels, LaneSnapshot::messagesOut));
        out.add(counter(MetricNames.SUBSCRIBER_SENT_BYTES, Unit.BYTES, "Bytes written to the subscriber's connection",
            keptLanes, laneLabels, LaneSnapshot::bytesOut));
        out.add(gauge(MetricNames.SUBSCRIBER_WAITING_MESSAGES, null,
            "Messages the lane accepted and has not yet written",
            keptLanes, laneLabels, LaneSnapshot::waitingMessages));
        out.add(gauge(MetricNames.SUBSCRIBER_QUEUED_BYTES, Unit.BYTES,
            "Bytes waiting in the lane's hand-off from publishers",
            keptLanes, laneLabels, LaneSnapshot::queuedBytes));
        out.add(gauge(MetricNames.SUBSCRIBER_QUEUED_LIMIT_BYTES, Unit.BYTES,
            "Most bytes the lane's hand-off holds before the strategy acts (lane-bytes)",
            keptLanes, laneLabels, lane -> config.streamConfig(lane.stream()).laneBytes()));
        out.add(gauge(MetricNames.SUBSCRIBER_MEMORY_BYTES, Unit.BYTES, "Bytes in the lane's memory tier",
            keptLanes, laneLabels, LaneSnapshot::memoryBytes));
        out.add(gauge(MetricNames.SUBSCRIBER_MEMORY_LIMIT_BYTES, Unit.BYTES,
            "Size of the lane's memory tier (memory, rounded down to a power of two); 0 without one",
            keptLanes, laneLabels, lane -> memoryLimit(config.streamConfig(lane.stream()))));
        out.add(gauge(MetricNames.SUBSCRIBER_DISK_BYTES, Unit.BYTES, "Bytes the lane's disk tier uses on disk",
            keptLanes, laneLabels, LaneSnapshot::diskBytes));
        out.add(gauge(MetricNames.SUBSCRIBER_DISK_LIMIT_BYTES, Unit.BYTES,
            "Most disk the lane's disk tier may use (spill-quota); 0 without one",
            keptLanes, laneLabels, lane -> diskLimit(config.streamConfig(lane.stream()))));
        out.add(counter(MetricNames.SUBSCRIBER_SPILLED_MESSAGES, null, "Messages written to the lane's disk tier",
            keptLanes, laneLabels, LaneSnapshot::spilled));
        out.add(counter(MetricNames.SUBSCRIBER_RESTORED_MESSAGES, null, "Messages read back from the lane's disk tier",
            keptLanes, laneLabels, LaneSnapshot::restored));
        out.add(gauge(MetricNames.SUBSCRIBER_PEAK_BYTES, Unit.BYTES,
            "The most bytes the lane has held (hand-off plus the connection's outbound buffer)",
            keptLanes, laneLabels, LaneSnapshot::peakBytes));

        final GaugeSnapshot.Builder tier = GaugeSnapshot.builder()
            .name(MetricNames.SUBSCRIBER_TIER)
            .help("1 for the tier the lane's new messages go to now (direct: no tiers, memory, disk),"
                + " 0 for the others");
        for (int i = 0; i < keptLanes.size(); i++)
        {
            final String current = keptLanes.get(i).tier().label();
            for (final String t : MetricNames.TIERS)
            {
                tier.dataPoint(GaugeDataPointSnapshot.builder()
                    .labels(laneLabels.get(i).add(MetricNames.TIER, t))
                    .value(t.equals(current) ? 1 : 0)
                    .build());
            }
        }
        out.add(tier.build());
        out.add(counter(MetricNames.PRODUCER_THROTTLED_SECONDS, Unit.SECONDS,
            "Time the lane held the stream's publishers paused (it refused their runs), summed over publishers",
            keptLanes, laneLabels, lane -> lane.heldNanos() / NANOS_PER_SECOND));
        lagAndState(keptLanes, laneLabels, out);
        out.add(gauge(MetricNames.SUBSCRIBER_STUCK, null,
            "1 while the subscriber has made no progress (taken no byte, or acknowledged nothing) for the stream's "
                + "stuck-after", keptLanes, laneLabels, lane -> lane.stuck() ? 1 : 0));
        out.add(gauge(MetricNames.SUBSCRIBER_UNACKED_MESSAGES, null,
            "Frames sent to the subscriber and not yet acknowledged (acknowledged delivery; 0 without it)",
            keptLanes, laneLabels, lane -> lane.acks() == null ? 0 : lane.acks().unackedMessages()));
        out.add(gauge(MetricNames.SUBSCRIBER_UNACKED_BYTES, Unit.BYTES,
            "Bytes of the frames sent to the subscriber and not yet acknowledged, held until they are",
            keptLanes, laneLabels, lane -> lane.acks() == null ? 0 : lane.acks().unackedBytes()));
        out.add(counter(MetricNames.SUBSCRIBER_REDELIVERED_MESSAGES, null,
            "Frames sent to the subscriber again after it reconnected, flagged REDELIVERED",
            keptLanes, laneLabels, lane -> lane.acks() == null ? 0 : lane.acks().redelivered()));

        final CounterSnapshot.Builder dropped = CounterSnapshot.builder()
            .name(MetricNames.base(MetricNames.SUBSCRIBER_DROPPED_MESSAGES))
            .help("Messages the lane dropped, by reason");
        for (int i = 0; i < keptLanes.size(); i++)
        {
            final Map<String, Long> byReason = keptLanes.get(i).droppedByReason();
            if (byReason == null)
            {
                continue;
            }
            for (final Map.Entry<String, Long> e : new TreeMap<>(byReason).entrySet())
            {
                dropped.dataPoint(CounterDataPointSnapshot.builder()
                    .labels(laneLabels.get(i).add(MetricNames.REASON, e.getKey()))
                    .value(e.getValue())
                    .build());
            }
        }
        out.add(dropped.build());
        return new MetricSnapshots(out);
    }

    // From the lanes view's latest sample (at most an interval old), which knows the oldest waiting message and the
    // interval's rates; a lane too new for it has neither series yet.
    private void lagAndState(final List<LaneSnapshot> lanes, final List<Labels> labels, final List<MetricSnapshot> out)
    {
        Map<String, LanesSample.LaneView> views = Map.of();
        try
        {
            views = sampler.sample().lanesByKey();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        final GaugeSnapshot.Builder lag = GaugeSnapshot.builder()
            .name(MetricNames.SUBSCRIBER_LAG_SECONDS)
            .unit(Unit.SECONDS)
            .help("Age of the lane's oldest waiting message by its timestamp (0 when none waits; at most this when it "
                + "is on disk)");
        final GaugeSnapshot.Builder state = GaugeSnapshot.builder()
            .name(MetricNames.SUBSCRIBER_STATE)
            .help("1 for what the lane is doing (flowing, throttling, spilling, dropping, stalled, closed), 0 for the "
                + "others");
        for (int i = 0; i < lanes.size(); i++)
        {
            final LanesSample.LaneView view = views.get(lanes.get(i).stream() + '\u0000'
                + subscriberAddress(lanes.get(i).subscriber()));
            if (view == null)
            {
                continue;
            }
            if (!Double.isNaN(view.lagSeconds()))
            {
                lag.dataPoint(GaugeDataPointSnapshot.builder().labels(labels.get(i)).value(view.lagSeconds()).build());
            }
            for (final LaneState s : LaneState.values())
            {
                state.dataPoint(GaugeDataPointSnapshot.builder()
                    .labels(labels.get(i).add(MetricNames.STATE, s.label()))
                    .value(s == view.state() ? 1 : 0)
                    .build());
            }
        }
        out.add(lag.build());
        out.add(state.build());
    }

    static long memoryLimit(final StreamConfig stream)
    {
        return stream.strategy().hasMemoryTier() ? Long.highestOneBit(stream.memoryBytes()) : 0;
    }

    static long diskLimit(final StreamConfig stream)
    {
        return stream.strategy().hasDiskTier() ? stream.spillQuotaBytes() : 0;
    }

    /**
     * @param remoteAddress a channel's remote address as text, such as {@code /127.0.0.1:51234}.
     * @return it without the leading slash that {@code InetSocketAddress} puts before an unresolved host.
     */
    static String subscriberAddress(final String remoteAddress)
    {
        if (remoteAddress == null)
        {
            return "";
        }
        return remoteAddress.startsWith("/") ? remoteAddress.substring(1) : remoteAddress;
    }

    static <T> CounterSnapshot counter(final String name, final Unit unit, final String help, final List<T> items,
        final List<Labels> labels, final ToDoubleFunction<T> value)
    {
        final CounterSnapshot.Builder builder = CounterSnapshot.builder().name(MetricNames.base(name)).help(help);
        if (unit != null)
        {
            builder.unit(unit);
        }
        for (int i = 0; i < items.size(); i++)
        {
            builder.dataPoint(CounterDataPointSnapshot.builder()
                .labels(labels.get(i))
                .value(value.applyAsDouble(items.get(i)))
                .build());
        }
        return builder.build();
    }

    static <T> GaugeSnapshot gauge(final String name, final Unit unit, final String help, final List<T> items,
        final List<Labels> labels, final ToDoubleFunction<T> value)
    {
        final GaugeSnapshot.Builder builder = GaugeSnapshot.builder().name(name).help(help);
        if (unit != null)
        {
            builder.unit(unit);
        }
        for (int i = 0; i < items.size(); i++)
        {
            builder.dataPoint(GaugeDataPointSnapshot.builder()
                .labels(labels.get(i))
                .value(value.applyAsDouble(items.get(i)))
                .build());
        }
        return builder.build();
    }
}
