package io.sluice.server.metrics;

import io.sluice.server.lane.LaneDepths;
import io.sluice.server.lane.AckSnapshot;
import io.sluice.server.lane.LaneSnapshot;
import io.sluice.server.lane.LaneTier;
import io.sluice.server.producer.ProducerSnapshot;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.stream.StreamSnapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The lanes view at one moment: every stream with its publishers and its subscribers' lanes, with rates over the
 * interval since the sample before, each lane's state, lag and the blame for throttled publishers. Derived from two
 * {@link Readings} by {@link #of}; rendered by {@link LanesJson}. A rate or duration that is not known (the first
 * sample, a lane that just arrived) is NaN.
 *
 * @param address the relay's listening address.
 * @param version the relay's version.
 * @param sampledAtMillis when the sample was taken, epoch milliseconds.
 * @param uptimeSeconds seconds since the relay started.
 * @param intervalSeconds seconds since the sample the rates are measured against; NaN for the first.
 * @param streams every stream, by name.
 */
public record LanesSample(String address, String version, long sampledAtMillis, double uptimeSeconds,
                          double intervalSeconds, List<StreamView> streams)
{
    private static final double NANOS_PER_SECOND = 1e9;

    /**
     * One tier of a lane.
     *
     * @param messages messages in it; -1 when not known.
     * @param bytes bytes it holds.
     * @param limitBytes its configured size; 0 when the lane has no such tier.
     */
    public record Tier(long messages, long bytes, long limitBytes)
    {
    }

    /**
     * One subscriber's lane.
     *
     * @param subscriber the subscriber's address.
     * @param subscription its durable subscription name, or empty.
     * @param strategy the lane's strategy.
     * @param tier where new messages go: direct, memory or disk.
     * @param state what the lane is doing.
     * @param waitingMessages messages accepted and not yet written or dropped.
     * @param handoff the hand-off from publishers ({@code lane-bytes}).
     * @param memory the memory tier.
     * @param disk the disk tier.
     * @param outboundBytes bytes written to the connection that the kernel has not taken yet.
     * @param outboundLimitBytes the connection's write-buffer high-water mark.
     * @param lagSeconds age of the oldest waiting message (0 when none waits).
     * @param lagExact false when that message is on disk and the age is an upper bound.
     * @param messagesIn messages accepted since the subscriber connected.
     * @param messagesOut messages written since.
     * @param inPerSecond messages accepted per second.
     * @param outPerSecond messages written per second (the drain rate).
     * @param outBytesPerSecond bytes written per second.
     * @param drainSeconds time to write what waits at the drain rate; NaN when nothing is written.
     * @param catchUpSeconds time to empty the lane at the current rates; NaN when it is not gaining (out &lt;= in).
     * @param spilled messages written to disk since the subscriber connected.
     * @param spilledPerSecond messages written to disk per second.
     * @param restored messages read back from disk.
     * @param dropped messages dropped since the subscriber connected.
     * @param droppedPerSecond messages dropped per second.
     * @param droppedByReason drops by reason.
     * @param holdingProducers publishers the lane holds paused now.
     * @param heldSeconds time the lane has held publishers paused, summed over publishers.
     * @param heldShare share of its stream's publishers' time the lane held them during the interval (0 to 1).
     * @param stuck whether frames waited and the subscriber took no byte of them for the stream's stuck-after.
     * @param acks the subscriber's acknowledgement window, or null when it does not acknowledge.
     */
    public record LaneView(String subscriber, String subscription, String strategy, String tier, LaneState state,
                           long waitingMessages, Tier handoff, Tier memory, Tier disk, long outboundBytes,
                           long outboundLimitBytes, double lagSeconds, boolean lagExact, long messagesIn,
                           long messagesOut, double inPerSecond, double outPerSecond, double outBytesPerSecond,
                           double drainSeconds, double catchUpSeconds, long spilled, double spilledPerSecond,
                           long restored, long dropped, double droppedPerSecond, Map<String, Long> droppedByReason,
                           int holdingProducers, double heldSeconds, double heldShare, boolean stuck,
                           AckSnapshot acks)
    {
    }

    /**
     * A lane that held a publisher.
     *
     * @param subscriber the lane's subscriber's address.
     * @param subscription its durable subscription name, or empty.
     * @param seconds how long it held the publisher paused, in all.
     * @param share share of the interval it held the publisher (0 to 1).
     * @param now whether it holds the publisher now.
     */
    public record Holder(String subscriber, String subscription, double seconds, double share, boolean now)
    {
    }

    /**
     * One publisher connection.
     *
     * @param address its address.
     * @param sourceId its source id.
     * @param paused whether a lane holds it paused now.
     * @param throttledSeconds time lanes held it paused since it connected.
     * @param throttledShare share of the interval it was held (0 to 1).
     * @param heldBy the lanes that held it, most of the interval first.
     * @param goneSubscribersSeconds time it was held by lanes whose subscriber has left.
     */
    public record ProducerView(String address, int sourceId, boolean paused, double throttledSeconds,
                               double throttledShare, List<Holder> heldBy, double goneSubscribersSeconds)
    {
    }

    /**
     * One stream.
     *
     * @param name its name.
     * @param strategy its lanes' strategy ({@code mixed} when they differ).
     * @param publishers publishers connected now.
     * @param subscribers subscribers connected now.
     * @param messagesIn messages received since the relay started.
     * @param bytesIn bytes received.
     * @param inPerSecond messages received per second.
     * @param inBytesPerSecond bytes received per second.
     * @param outPerSecond messages written to all its subscribers per second.
     * @param unrouted messages received while it had no subscriber.
     * @param throttledSeconds time its publishers spent paused, summed over publishers.
     * @param throttledShare share of the interval its publishers spent paused (0 to 1).
     * @param lagSeconds the largest lag of its lanes (0 without lanes).
     * @param waitingMessages messages waiting in all its lanes.
     * @param producers its publishers.
     * @param lanes its subscribers' lanes.
     */
    public record StreamView(String name, String strategy, int publishers, int subscribers, long messagesIn,
                             long bytesIn, double inPerSecond, double inBytesPerSecond, double outPerSecond,
                             long unrouted, double throttledSeconds, double throttledShare, double lagSeconds,
                             long waitingMessages, List<ProducerView> producers, List<LaneView> lanes)
    {
    }

    /**
     * Derives a sample.
     *
     * @param address the relay's listening address.
     * @param version the relay's version.
     * @param uptimeSeconds seconds since the relay started.
     * @param sampledAtMillis epoch milliseconds now.
     * @param previous the readings of the sample before, or null.
     * @param current the readings now.
     * @param config the relay's settings, for each lane's configured sizes.
     * @return the sample.
     */
    static LanesSample of(final String address, final String version, final double uptimeSeconds,
        final long sampledAtMillis, final Readings previous, final Readings current, final RelayConfig config)
    {
        final double interval = previous == null || current.nanoTime() <= previous.nanoTime() ? Double.NaN
            : (current.nanoTime() - previous.nanoTime()) / NANOS_PER_SECOND;
        final Map<String, StreamSnapshot> streamsBefore = new HashMap<>();
        final Map<String, LaneSnapshot> lanesBefore = new HashMap<>();
        final Map<String, ProducerSnapshot> producersBefore = new HashMap<>();
        if (previous != null)
        {
            previous.streams().forEach(s -> streamsBefore.put(s.name(), s));
            previous.lanes().forEach(l -> lanesBefore.put(laneKey(l), l));
            previous.producers().forEach(p -> producersBefore.put(producerKey(p), p));
        }

        final Map<String, StreamSnapshot> streams = new TreeMap<>();
        current.streams().forEach(s -> streams.put(s.name(), s));
        final Map<String, List<LaneSnapshot>> lanesByStream = new HashMap<>();
        for (final LaneSnapshot lane : current.lanes())
        {
            lanesByStream.computeIfAbsent(lane.stream(), k -> new ArrayList<>()).add(lane);
        }
        final Map<String, List<ProducerSnapshot>> producersByStream = new HashMap<>();
        for (final ProducerSnapshot producer : current.producers())
        {
            producersByStream.computeIfAbsent(producer.stream(), k -> new ArrayList<>()).add(producer);
        }

        final List<StreamView> views = new ArrayList<>(streams.size());
        for (final StreamSnapshot stream : streams.values())
        {
            final StreamConfig streamConfig = config.streamConfig(stream.name());
            final List<LaneSnapshot> lanes = lanesByStream.getOrDefault(stream.name(), List.of());
            final List<LaneView> laneViews = new ArrayList<>(lanes.size());
            for (final LaneSnapshot lane : lanes)
            {
                laneViews.add(lane(lane, lanesBefore.get(laneKey(lane)), interval, current.epochNanos(), streamConfig,
                    config.highWaterMark(), stream.publishers()));
            }
            laneViews.sort(Comparator.comparing(LaneView::subscriber));
            final List<ProducerView> producerViews = new ArrayList<>();
            for (final ProducerSnapshot producer : producersByStream.getOrDefault(stream.name(), List.of()))
            {
                producerViews.add(producer(producer, producersBefore.get(producerKey(producer)), interval));
            }
            producerViews.sort(Comparator.comparing(ProducerView::address).thenComparingInt(ProducerView::sourceId));
            views.add(
                stream(stream, streamsBefore.get(stream.name()), interval, streamConfig, producerViews, laneViews));
        }
        return new LanesSample(address, version, sampledAtMillis, uptimeSeconds, interval, List.copyOf(views));
    }

    private static StreamView stream(final StreamSnapshot stream, final StreamSnapshot before, final double interval,
        final StreamConfig config, final List<ProducerView> producers, final List<LaneView> lanes)
    {
        String strategy = null;
        double out = 0;
        double lag = 0;
        long waiting = 0;
        for (final LaneView lane : lanes)
        {
            strategy = strategy == null || strategy.equals(lane.strategy()) ? lane.strategy() : "mixed";
            out += lane.outPerSecond();
            lag = Double.isNaN(lane.lagSeconds()) ? lag : Math.max(lag, lane.lagSeconds());
            waiting += lane.waitingMessages();
        }
        final double throttledShare = before == null ? Double.NaN : stream.publishers() == 0 ? 0
            : share(stream.throttledNanos() - before.throttledNanos(), interval * stream.publishers());
        return new StreamView(stream.name(), strategy != null ? strategy : config.label(), stream.publishers(),
            stream.subscribers(), stream.messagesIn(), stream.bytesIn(),
            rate(stream.messagesIn(), before == null ? null : before.messagesIn(), interval),
            rate(stream.bytesIn(), before == null ? null : before.bytesIn(), interval), out, stream.unrouted(),
            stream.throttledNanos() / NANOS_PER_SECOND, throttledShare, lag, waiting, List.copyOf(producers),
            List.copyOf(lanes));
    }

    private static LaneView lane(final LaneSnapshot lane, final LaneSnapshot before, final double interval,
        final long nowEpochNanos, final StreamConfig config, final int highWaterMark, final int publishers)
    {
        final LaneDepths depths = lane.depths();
        final long dropped = sum(lane.droppedByReason());
        final Long droppedBefore = before == null ? null : sum(before.droppedByReason());
        final double in = rate(lane.messagesIn(), before == null ? null : before.messagesIn(), interval);
        final double out = rate(lane.messagesOut(), before == null ? null : before.messagesOut(), interval);
        // As the lane's loop measured it, with the tiers and the oldest message; the snapshot's when not measured yet.
        final long waiting = waiting(lane);

        final double lag;
        final boolean lagExact;
        if (waiting == 0)
        {
            lag = 0;
            lagExact = true;
        }
        else if (depths == null || depths.oldestTimestampNanos() == 0)
        {
            lag = Double.NaN;
            lagExact = false;
        }
        else
        {
            lag = Math.max(0, nowEpochNanos - depths.oldestTimestampNanos()) / NANOS_PER_SECOND;
            lagExact = depths.oldestExact();
        }

        final boolean known = before != null && !Double.isNaN(interval);
        final boolean stalled =
            known && waiting > 0 && waiting(before) > 0 && lane.messagesOut() == before.messagesOut();
        final boolean throttling = lane.holdingProducers() > 0 || known && lane.heldNanos() > before.heldNanos();
        final boolean dropping = known && dropped > droppedBefore;
        final boolean spilling = lane.tier() == LaneTier.DISK || known && lane.spilled() > before.spilled();

        final Tier handoff = new Tier(depths == null ? -1 : depths.handoffMessages(),
            depths == null ? lane.queuedBytes() : depths.handoffBytes(), config.laneBytes());
        final Tier memory = new Tier(depths == null ? -1 : depths.memoryMessages(),
            depths == null ? lane.memoryBytes() : depths.memoryBytes(), RelaySnapshotCollector.memoryLimit(config));
        final Tier disk = new Tier(depths == null ? -1 : depths.diskMessages(),
            depths == null ? lane.diskBytes() : depths.diskBytes(), RelaySnapshotCollector.diskLimit(config));
        return new LaneView(RelaySnapshotCollector.subscriberAddress(lane.subscriber()),
            lane.subscription() == null ? "" : lane.subscription(), lane.strategy(), lane.tier().label(),
            LaneState.of(lane.closed(), stalled, throttling, dropping, spilling), waiting, handoff, memory, disk,
            depths == null ? 0 : depths.outboundBytes(), highWaterMark, lag, lagExact, lane.messagesIn(),
            lane.messagesOut(), in, out, rate(lane.bytesOut(), before == null ? null : before.bytesOut(), interval),
            waiting == 0 ? 0 : out > 0 ? waiting / out : Double.NaN,
            waiting == 0 ? 0 : out > in ? waiting / (out - in) : Double.NaN,
            lane.spilled(), rate(lane.spilled(), before == null ? null : before.spilled(), interval), lane.restored(),
            dropped, rate(dropped, droppedBefore, interval), lane.droppedByReason(), lane.holdingProducers(),
            lane.heldNanos() / NANOS_PER_SECOND, before == null ? Double.NaN
                : share(lane.heldNanos() - before.heldNanos(), interval * Math.max(1, publishers)), lane.stuck(),
            lane.acks());
    }

    private static ProducerView producer(final ProducerSnapshot producer, final ProducerSnapshot before,
        final double interval)
    {
        // Measured on the publisher's own loop: its own clock readings give the truest interval.
        final double seconds = before != null && producer.measuredAtNanos() > before.measuredAtNanos()
            && before.measuredAtNanos() > 0
            ? (producer.measuredAtNanos() - before.measuredAtNanos()) / NANOS_PER_SECOND : interval;
        final Map<String, Long> heldBefore = new HashMap<>();
        if (before != null)
        {
            before.holders().forEach(h -> heldBefore.put(h.subscriber(), h.heldNanos()));
        }
        final List<Holder> holders = new ArrayList<>();
        for (final ProducerSnapshot.Holder holder : producer.holders())
        {
            if (holder.heldNanos() == 0 && !holder.holdingNow())
            {
                continue;
            }
            final Long previously = before == null ? null : heldBefore.getOrDefault(holder.subscriber(), 0L);
            holders.add(new Holder(RelaySnapshotCollector.subscriberAddress(holder.subscriber()), holder.subscription(),
                holder.heldNanos() / NANOS_PER_SECOND,
                previously == null ? Double.NaN : share(holder.heldNanos() - previously, seconds),
                holder.holdingNow()));
        }
        holders.sort(Comparator.comparing((Holder h) -> !h.now())
            .thenComparing(h -> Double.isNaN(h.share()) ? 0 : -h.share())
            .thenComparing(h -> -h.seconds()));
        return new ProducerView(RelaySnapshotCollector.subscriberAddress(producer.address()), producer.sourceId(),
            producer.pausedNow(), producer.throttledNanos() / NANOS_PER_SECOND,
            before == null ? Double.NaN : share(producer.throttledNanos() - before.throttledNanos(), seconds),
            List.copyOf(holders), producer.goneSubscribersNanos() / NANOS_PER_SECOND);
    }

    private static long waiting(final LaneSnapshot lane)
    {
        return lane.depths() == null ? lane.waitingMessages() : lane.depths().waitingMessages();
    }

    /** @return the change per second, or NaN when there is nothing before or the counter went back. */
    static double rate(final long now, final Long before, final double seconds)
    {
        if (before == null || Double.isNaN(seconds) || seconds <= 0 || now < before)
        {
            return Double.NaN;
        }
        return (now - before) / seconds;
    }

    /** @return nanoseconds as a share of a span in seconds, clamped to 0..1 (pauses are measured on other clocks). */
    private static double share(final long nanos, final double seconds)
    {
        if (Double.isNaN(seconds) || seconds <= 0)
        {
            return Double.NaN;
        }
        return Math.max(0, Math.min(1, nanos / NANOS_PER_SECOND / seconds));
    }

    private static long sum(final Map<String, Long> byReason)
    {
        long total = 0;
        for (final long n : byReason.values())
        {
            total += n;
        }
        return total;
    }

    static String laneKey(final LaneSnapshot lane)
    {
        return lane.stream() + '\u0000' + lane.subscriber();
    }

    private static String producerKey(final ProducerSnapshot producer)
    {
        return producer.stream() + '\u0000' + producer.address() + '\u0000' + producer.sourceId();
    }

    /** @return the lanes of every stream by {@link #laneKey}-like key: stream and subscriber address. */
    Map<String, LaneView> lanesByKey()
    {
        final Map<String, LaneView> map = new LinkedHashMap<>();
        for (final StreamView stream : streams)
        {
            for (final LaneView lane : stream.lanes())
            {
                map.put(stream.name() + '\u0000' + lane.subscriber(), lane);
            }
        }
        return map;
    }
}
