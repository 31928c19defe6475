package io.sluice.server.metrics;

import io.sluice.server.metrics.LanesSample.Holder;
import io.sluice.server.lane.AckSnapshot;
import io.sluice.server.metrics.LanesSample.LaneView;
import io.sluice.server.metrics.LanesSample.ProducerView;
import io.sluice.server.metrics.LanesSample.StreamView;
import io.sluice.server.metrics.LanesSample.Tier;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders a {@link LanesSample} as the JSON of {@code /lanes}: a header, then one page of streams in the order asked
 * for, each with its publishers (most throttled first) and its lanes (in the same order as the streams). The schema is
 * documented in docs/operations.md; numbers not known are {@code null}.
 */
final class LanesJson
{
    /** Schema version, raised when a field changes meaning or goes away (new fields do not raise it). */
    static final int SCHEMA = 1;

    private LanesJson()
    {
    }

    /**
     * @param sample the sample.
     * @param query the order and page.
     * @return the JSON text.
     */
    static String render(final LanesSample sample, final LanesQuery query)
    {
        final List<StreamView> streams = new ArrayList<>(sample.streams());
        streams.sort(streamOrder(query.sort()));
        final int from = (int)Math.min(query.offset(), streams.size());
        final int to = (int)Math.min((long)from + query.limit(), streams.size());

        final JsonWriter json = new JsonWriter(4096 + 2048 * (to - from));
        json.beginObject()
            .field("schema", SCHEMA)
            .name("relay").beginObject()
            .field("address", sample.address())
            .field("version", sample.version())
            .field("uptimeSeconds", sample.uptimeSeconds())
            .endObject()
            .field("sampledAtMillis", sample.sampledAtMillis())
            .field("intervalSeconds", sample.intervalSeconds())
            .field("sort", query.sort().label())
            .field("offset", query.offset())
            .field("limit", query.limit())
            .field("total", streams.size())
            .name("streams").beginArray();
        for (final StreamView stream : streams.subList(from, to))
        {
            stream(json, stream, query.sort());
        }
        return json.endArray().endObject().toString();
    }

    private static void stream(final JsonWriter json, final StreamView stream, final LanesQuery.Sort sort)
    {
        json.beginObject()
            .field("name", stream.name())
            .field("strategy", stream.strategy())
            .field("publishers", stream.publishers())
            .field("subscribers", stream.subscribers())
            .field("messagesIn", stream.messagesIn())
            .field("bytesIn", stream.bytesIn())
            .field("inPerSecond", stream.inPerSecond())
            .field("inBytesPerSecond", stream.inBytesPerSecond())
            .field("outPerSecond", stream.outPerSecond())
            .field("unrouted", stream.unrouted())
            .field("waitingMessages", stream.waitingMessages())
            .field("lagSeconds", stream.lagSeconds())
            .field("throttledSeconds", stream.throttledSeconds())
            .field("throttledShare", stream.throttledShare());
        json.name("producers").beginArray();
        final List<ProducerView> producers = new ArrayList<>(stream.producers());
        producers.sort(Comparator.comparingDouble((ProducerView p) -> -orZero(p.throttledShare()))
            .thenComparingDouble(p -> -p.throttledSeconds())
            .thenComparing(ProducerView::address));
        for (final ProducerView producer : producers)
        {
            producer(json, producer);
        }
        json.endArray();
        json.name("lanes").beginArray();
        final List<LaneView> lanes = new ArrayList<>(stream.lanes());
        lanes.sort(laneOrder(sort));
        for (final LaneView lane : lanes)
        {
            lane(json, lane);
        }
        json.endArray().endObject();
    }

    private static void producer(final JsonWriter json, final ProducerView producer)
    {
        json.beginObject()
            .field("address", producer.address())
            .field("sourceId", producer.sourceId())
            .field("paused", producer.paused())
            .field("throttledSeconds", producer.throttledSeconds())
            .field("throttledShare", producer.throttledShare())
            .name("heldBy").beginArray();
        for (final Holder holder : producer.heldBy())
        {
            json.beginObject()
                .field("subscriber", holder.subscriber())
                .field("subscription", holder.subscription())
                .field("now", holder.now())
                .field("seconds", holder.seconds())
                .field("share", holder.share())
                .endObject();
        }
        json.endArray()
            .field("goneSubscribersSeconds", producer.goneSubscribersSeconds())
            .endObject();
    }

    private static void lane(final JsonWriter json, final LaneView lane)
    {
        json.beginObject()
            .field("subscriber", lane.subscriber())
            .field("subscription", lane.subscription())
            .field("strategy", lane.strategy())
            .field("tier", lane.tier())
            .field("state", lane.state().label())
            .field("stuck", lane.stuck())
            .field("waitingMessages", lane.waitingMessages())
            .field("lagSeconds", lane.lagSeconds())
            .field("lagExact", lane.lagExact())
            .name("tiers").beginObject();
        tier(json, "handoff", lane.handoff());
        tier(json, "memory", lane.memory());
        tier(json, "disk", lane.disk());
        json.name("outbound").beginObject()
            .field("bytes", lane.outboundBytes())
            .field("limitBytes", lane.outboundLimitBytes())
            .endObject();
        json.endObject()
            .field("messagesIn", lane.messagesIn())
            .field("messagesOut", lane.messagesOut())
            .field("inPerSecond", lane.inPerSecond())
            .field("outPerSecond", lane.outPerSecond())
            .field("outBytesPerSecond", lane.outBytesPerSecond())
            .field("drainSeconds", lane.drainSeconds())
            .field("catchUpSeconds", lane.catchUpSeconds())
            .field("spilled", lane.spilled())
            .field("spilledPerSecond", lane.spilledPerSecond())
            .field("restored", lane.restored())
            .field("dropped", lane.dropped())
            .field("droppedPerSecond", lane.droppedPerSecond())
            .name("droppedByReason").beginObject();
        for (final Map.Entry<String, Long> e : new TreeMap<>(lane.droppedByReason()).entrySet())
        {
            json.field(e.getKey(), e.getValue());
        }
        json.endObject()
            .field("holdingProducers", lane.holdingProducers())
            .field("heldSeconds", lane.heldSeconds())
            .field("heldShare", lane.heldShare());
        final AckSnapshot acks = lane.acks();
        if (acks != null)
        {
            json.name("acknowledged").beginObject()
                .field("position", acks.acked())
                .field("sentPosition", acks.sent())
                .field("unackedMessages", acks.unackedMessages())
                .field("unackedBytes", acks.unackedBytes())
                .field("windowMessages", acks.windowMessages())
                .field("windowBytes", acks.windowBytes())
                .field("redelivered", acks.redelivered())
                .endObject();
        }
        json.endObject();
    }

    private static void tier(final JsonWriter json, final String name, final Tier tier)
    {
        json.name(name).beginObject().name("messages");
        if (tier.messages() < 0)
        {
            json.nullValue();
        }
        else
        {
            json.value(tier.messages());
        }
        json.field("bytes", tier.bytes())
            .field("limitBytes", tier.limitBytes())
            .endObject();
    }

    /** Streams in the order asked for; ties by name. */
    static Comparator<StreamView> streamOrder(final LanesQuery.Sort sort)
    {
        final Comparator<StreamView> byName = Comparator.comparing(StreamView::name);
        return switch (sort)
        {
            case LAG -> Comparator.comparingDouble((StreamView s) -> -orZero(s.lagSeconds()))
                .thenComparingLong(s -> -s.waitingMessages()).thenComparing(byName);
            case WAITING -> Comparator.comparingLong((StreamView s) -> -s.waitingMessages()).thenComparing(byName);
            case IN -> Comparator.comparingDouble((StreamView s) -> -orZero(s.inPerSecond())).thenComparing(byName);
            case OUT -> Comparator.comparingDouble((StreamView s) -> -orZero(s.outPerSecond())).thenComparing(byName);
            case THROTTLED -> Comparator.comparingDouble((StreamView s) -> -orZero(s.throttledShare()))
                .thenComparingDouble(s -> -s.throttledSeconds()).thenComparing(byName);
            case NAME -> byName;
        };
    }

    /** Lanes in the order asked for; ties by subscriber address. */
    static Comparator<LaneView> laneOrder(final LanesQuery.Sort sort)
    {
        final Comparator<LaneView> byName = Comparator.comparing(LaneView::subscriber);
        return switch (sort)
        {
            case LAG -> Comparator.comparingDouble((LaneView l) -> -orZero(l.lagSeconds()))
                .thenComparingLong(l -> -l.waitingMessages()).thenComparing(byName);
            case WAITING -> Comparator.comparingLong((LaneView l) -> -l.waitingMessages()).thenComparing(byName);
            case IN -> Comparator.comparingDouble((LaneView l) -> -orZero(l.inPerSecond())).thenComparing(byName);
            case OUT -> Comparator.comparingDouble((LaneView l) -> -orZero(l.outPerSecond())).thenComparing(byName);
            case THROTTLED -> Comparator.comparingDouble((LaneView l) -> -orZero(l.heldShare()))
                .thenComparingDouble(l -> -l.heldSeconds()).thenComparing(byName);
            case NAME -> byName;
        };
    }

    private static double orZero(final double value)
    {
        return Double.isNaN(value) ? 0 : value;
    }
}
