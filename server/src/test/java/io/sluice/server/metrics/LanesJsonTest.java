package io.sluice.server.metrics;

import io.sluice.server.lane.AckSnapshot;
import io.sluice.server.lane.LaneDepths;
import io.sluice.server.lane.LaneSnapshot;
import io.sluice.server.lane.LaneTier;
import io.sluice.server.producer.ProducerSnapshot;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.stream.StreamSnapshot;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lanes view derived from two readings a second apart, and its JSON: rates, each lane's state by its definition,
 * lag from the oldest waiting message's timestamp, the blame for throttled publishers, sorting, paging and escaping.
 * Driven with hand-made snapshots, so every number is known.
 */
class LanesJsonTest
{
    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = 5_000 * SECOND;
    private static final long EPOCH = 1_700_000_000L * SECOND;
    private static final RelayConfig CONFIG = RelayConfig.builder().build();

    // Lanes one second apart; each named for what it shows.
    private static LaneSnapshot lane(final String stream, final String subscriber, final String tier, final long in,
        final long out, final long waiting, final long dropped, final long spilled, final int holding,
        final long heldNanos, final boolean closed, final LaneDepths depths)
    {
        final LaneTier where = LaneTier.valueOf(tier.toUpperCase(Locale.ROOT));
        return new LaneSnapshot(stream, "/" + subscriber, "", "throttle", where, in, out, out * 100, waiting, 0, 0, 0,
            spilled, 0, dropped == 0 ? Map.of() : Map.of("drop-newest", dropped), 0, in * 100, holding, heldNanos,
            closed, depths);
    }

    private static LaneDepths depths(final long waiting, final long oldestEpochNanos, final boolean exact)
    {
        return new LaneDepths(T0, waiting, waiting * 100, waiting, 0, 0, 0, 0, 4096, oldestEpochNanos, exact);
    }

    private static Readings before()
    {
        return new Readings(T0, EPOCH, List.of(
            new StreamSnapshot("prices", 1, 2, 10_000, 1_000_000, 0, 0),
            new StreamSnapshot("audit", 0, 1, 500, 50_000, 0, 0)),
            List.of(
                lane("prices", "10.0.0.1:1000", "direct", 10_000, 9_000, 1_000, 0, 0, 1, 0, false,
                    depths(1_000, EPOCH, true)),
                lane("prices", "10.0.0.2:2000", "direct", 10_000, 10_000, 0, 0, 0, 0, 0, false, depths(0, 0, true)),
                lane("audit", "10.0.0.3:3000", "direct", 500, 400, 100, 0, 0, 0, 0, false, depths(100, EPOCH, true))),
            List.of(new ProducerSnapshot("prices", "/10.0.0.9:9000", 1, true, 0,
                List.of(new ProducerSnapshot.Holder("/10.0.0.1:1000", "", 0, true)), 0, T0)));
    }

    private static Readings after()
    {
        final long now = EPOCH + SECOND;
        return new Readings(T0 + SECOND, now, List.of(
            new StreamSnapshot("prices", 1, 2, 12_000, 1_200_000, 0, SECOND / 2),
            new StreamSnapshot("audit", 0, 1, 500, 50_000, 0, 0)),
            List.of(
                // Held the publisher half the second, and holds it now; its oldest message is 2 s old.
                lane("prices", "10.0.0.1:1000", "direct", 12_000, 11_000, 1_000, 0, 0, 1, SECOND / 2, false,
                    depths(1_000, now - 2 * SECOND, true)),
                lane("prices", "10.0.0.2:2000", "direct", 12_000, 12_000, 0, 0, 0, 0, 0, false, depths(0, 0, true)),
                // Messages waited at both ends of the second and none went out: stalled.
                lane("audit", "10.0.0.3:3000", "direct", 500, 400, 100, 0, 0, 0, 0, false,
                    depths(100, now - 30 * SECOND, true))),
            List.of(new ProducerSnapshot("prices", "/10.0.0.9:9000", 1, true, SECOND / 2,
                List.of(new ProducerSnapshot.Holder("/10.0.0.1:1000", "", SECOND / 2, true)), 0, T0 + SECOND)));
    }

    private static LanesSample sample()
    {
        return LanesSample.of("127.0.0.1:7440", "test", 12.5, 1_700_000_001_000L, before(), after(), CONFIG);
    }

    @Test
    void ratesStatesLagAndBlameFollowTheirDefinitions()
    {
        final LanesSample sample = sample();
        assertEquals(1.0, sample.intervalSeconds(), 1e-9);
        final LanesSample.StreamView prices = sample.streams().get(1);
        assertEquals("prices", prices.name());
        assertEquals(2_000, prices.inPerSecond(), 1e-6);
        assertEquals(0.5, prices.throttledShare(), 1e-9);
        assertEquals(2.0, prices.lagSeconds(), 1e-9);

        final LanesSample.LaneView slow = prices.lanes().get(0);
        assertEquals("10.0.0.1:1000", slow.subscriber(), "the address without the slash a socket address has");
        assertEquals(LaneState.THROTTLING, slow.state());
        assertEquals(2_000, slow.outPerSecond(), 1e-6);
        assertEquals(2.0, slow.lagSeconds(), 1e-9);
        assertTrue(slow.lagExact());
        assertEquals(0.5, slow.heldShare(), 1e-9);
        assertEquals(0.5, slow.drainSeconds(), 1e-9, "1000 waiting at 2000/s");
        assertTrue(Double.isNaN(slow.catchUpSeconds()), "in as fast as out: not gaining");

        final LanesSample.LaneView fast = prices.lanes().get(1);
        assertEquals(LaneState.FLOWING, fast.state());
        assertEquals(0, fast.lagSeconds());
        assertEquals(0, fast.catchUpSeconds());

        final LanesSample.LaneView audit = sample.streams().get(0).lanes().get(0);
        assertEquals(LaneState.STALLED, audit.state());
        assertEquals(30.0, audit.lagSeconds(), 1e-9);

        final LanesSample.ProducerView producer = prices.producers().get(0);
        assertEquals("10.0.0.9:9000", producer.address());
        assertTrue(producer.paused());
        assertEquals(0.5, producer.throttledShare(), 1e-9);
        assertEquals(List.of(new LanesSample.Holder("10.0.0.1:1000", "", 0.5, 0.5, true)), producer.heldBy());
    }

    @Test
    void eachStateHasItsOwnCondition()
    {
        final Readings one = new Readings(T0, EPOCH, List.of(new StreamSnapshot("s", 1, 4, 0, 0, 0, 0)), List.of(
            lane("s", "a:1", "memory", 100, 50, 50, 10, 0, 0, 0, false, depths(50, EPOCH, true)),
            lane("s", "b:2", "disk", 100, 50, 50, 0, 10, 0, 0, false, depths(50, EPOCH - SECOND, false)),
            lane("s", "c:3", "direct", 100, 100, 0, 0, 0, 0, 0, true, depths(0, 0, true)),
            lane("s", "d:4", "memory", 100, 100, 0, 0, 5, 0, 0, false, depths(0, 0, true)),
            lane("s", "e:5", "memory", 100, 50, 50, 10, 0, 1, 0, false, depths(50, EPOCH, true)),
            lane("s", "f:6", "direct", 100, 50, 50, 0, 0, 1, 0, false, depths(50, EPOCH, true))), List.of());
        final Readings two = new Readings(T0 + SECOND, EPOCH + SECOND,
            List.of(new StreamSnapshot("s", 1, 4, 0, 0, 0, 0)),
            List.of(
                lane("s", "a:1", "memory", 200, 150, 50, 20, 0, 0, 0, false, depths(50, EPOCH, true)),
                lane("s", "b:2", "disk", 200, 150, 50, 0, 10, 0, 0, false, depths(50, EPOCH - SECOND, false)),
                lane("s", "c:3", "direct", 100, 100, 0, 0, 0, 0, 0, true, depths(0, 0, true)),
                lane("s", "d:4", "memory", 200, 200, 0, 0, 6, 0, 0, false, depths(0, 0, true)),
                lane("s", "e:5", "memory", 200, 150, 40, 20, 0, 1, SECOND / 2, false, depths(40, EPOCH, true)),
                lane("s", "f:6", "direct", 100, 50, 50, 0, 0, 1, SECOND, false, depths(50, EPOCH, true))), List.of());
        final List<LanesSample.LaneView> lanes =
            LanesSample.of("a", "v", 1, 0, one, two, CONFIG).streams().get(0).lanes();
        assertEquals(LaneState.DROPPING, lanes.get(0).state());
        assertEquals(10, lanes.get(0).droppedPerSecond(), 1e-9);
        assertEquals(LaneState.SPILLING, lanes.get(1).state(), "new messages go to disk");
        assertFalse(lanes.get(1).lagExact(), "the oldest message on disk is not read: an upper bound");
        assertEquals(2.0, lanes.get(1).lagSeconds(), 1e-9);
        assertEquals(LaneState.CLOSED, lanes.get(2).state());
        assertEquals(LaneState.SPILLING, lanes.get(3).state(), "wrote to disk during the interval");
        assertEquals(LaneState.DROPPING, lanes.get(4).state(), "dropping and holding its producer: the loss is named");
        assertEquals(LaneState.STALLED, lanes.get(5).state(), "holding its producer because nothing goes out");

        // The first sample knows no interval: nothing is stalled or dropping yet, rates are not known.
        final List<LanesSample.LaneView> first =
            LanesSample.of("a", "v", 1, 0, null, one, CONFIG).streams().get(0).lanes();
        assertEquals(LaneState.FLOWING, first.get(0).state());
        assertTrue(Double.isNaN(first.get(0).outPerSecond()));
        assertTrue(Double.isNaN(LanesSample.of("a", "v", 1, 0, null, one, CONFIG).intervalSeconds()));
    }

    @Test
    void jsonCarriesEveryFieldWithUnknownsAsNull()
    {
        final Map<String, Object> json =
            JsonText.object(JsonText.parse(LanesJson.render(sample(), LanesQuery.DEFAULT)));
        assertEquals(1.0, json.get("schema"));
        assertEquals("127.0.0.1:7440", JsonText.object(json.get("relay")).get("address"));
        assertEquals(12.5, JsonText.object(json.get("relay")).get("uptimeSeconds"));
        assertEquals(1.0, json.get("intervalSeconds"));
        assertEquals("lag", json.get("sort"));
        assertEquals(2.0, json.get("total"));
        final List<Map<String, Object>> streams = JsonText.objects(json.get("streams"));
        assertEquals(
            List.of("audit", "prices"), streams.stream().map(s -> s.get("name")).toList(), "largest lag first");

        final Map<String, Object> prices = streams.get(1);
        final Map<String, Object> lane = JsonText.objects(prices.get("lanes")).get(0);
        assertEquals("10.0.0.1:1000", lane.get("subscriber"));
        assertEquals("throttling", lane.get("state"));
        assertEquals(2.0, lane.get("lagSeconds"));
        assertEquals(true, lane.get("lagExact"));
        assertNull(lane.get("catchUpSeconds"));
        assertTrue(lane.containsKey("catchUpSeconds"), "a number not known is there, as null");
        final Map<String, Object> tiers = JsonText.object(lane.get("tiers"));
        assertEquals(1000.0, JsonText.object(tiers.get("handoff")).get("messages"));
        assertEquals((double)CONFIG.defaultStream().laneBytes(),
            JsonText.object(tiers.get("handoff")).get("limitBytes"));
        assertEquals(0.0, JsonText.object(tiers.get("memory")).get("limitBytes"), "a throttle lane has no memory tier");
        assertEquals(4096.0, JsonText.object(tiers.get("outbound")).get("bytes"));
        assertEquals((double)CONFIG.highWaterMark(), JsonText.object(tiers.get("outbound")).get("limitBytes"));
        for (final String field : List.of("waitingMessages", "messagesIn", "messagesOut", "inPerSecond", "outPerSecond",
            "outBytesPerSecond", "drainSeconds", "spilled", "spilledPerSecond", "restored", "dropped",
            "droppedPerSecond", "droppedByReason", "holdingProducers", "heldSeconds", "heldShare", "strategy",
            "tier", "subscription"))
        {
            assertTrue(lane.containsKey(field), field + " missing from a lane");
        }
        final Map<String, Object> producer = JsonText.objects(prices.get("producers")).get(0);
        assertEquals("10.0.0.9:9000", producer.get("address"));
        assertEquals(true, producer.get("paused"));
        assertEquals(0.5, producer.get("throttledShare"));
        final Map<String, Object> holder = JsonText.objects(producer.get("heldBy")).get(0);
        assertEquals("10.0.0.1:1000", holder.get("subscriber"));
        assertEquals(true, holder.get("now"));
        assertEquals(0.5, holder.get("share"));

        final Map<String, Object> first = JsonText.object(JsonText.parse(LanesJson.render(
            LanesSample.of("a", "v", 0, 0, null, before(), CONFIG), LanesQuery.DEFAULT)));
        assertNull(first.get("intervalSeconds"));
        assertNull(JsonText.objects(first.get("streams")).get(1).get("inPerSecond"), "no rate before a second sample");
    }

    @Test
    void sortsAndPages()
    {
        final LanesSample sample = sample();
        assertEquals(List.of("audit", "prices"), names(sample, "sort=name"));
        assertEquals(List.of("prices", "audit"), names(sample, "sort=in"));
        assertEquals(List.of("prices", "audit"), names(sample, "sort=throttled"));
        assertEquals(List.of("prices", "audit"), names(sample, "sort=waiting&limit=5"), "1000 waiting against 100");
        assertEquals(List.of("prices"), names(sample, "sort=name&offset=1&limit=1"));
        assertEquals(List.of("audit"), names(sample, "sort=name&limit=1"));
        assertEquals(List.of(), names(sample, "offset=7"));
        final Map<String, Object> page = JsonText.object(JsonText.parse(LanesJson.render(sample,
            LanesQuery.parse("offset=1&limit=1"))));
        assertEquals(2.0, page.get("total"), "the total counts every stream, not the page");
        assertEquals(1.0, page.get("offset"));
        assertEquals(1.0, page.get("limit"));

        // Within a stream, lanes follow the same order.
        final List<Map<String, Object>> lanes = JsonText.objects(JsonText.objects(JsonText.object(JsonText.parse(
            LanesJson.render(sample, LanesQuery.parse("sort=lag")))).get("streams")).get(1).get("lanes"));
        assertEquals(List.of("10.0.0.1:1000", "10.0.0.2:2000"), lanes.stream().map(l -> l.get("subscriber")).toList());
    }

    @Test
    void badQueriesNameWhatIsWrong()
    {
        assertEquals(LanesQuery.DEFAULT, LanesQuery.parse(null));
        assertEquals(LanesQuery.DEFAULT, LanesQuery.parse(""));
        assertEquals(new LanesQuery(LanesQuery.Sort.OUT, 3, 7), LanesQuery.parse("sort=out&offset=3&limit=7"));
        assertEquals(new LanesQuery(LanesQuery.Sort.NAME, 0, 100), LanesQuery.parse("sort=%6eame"), "decoded");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LanesQuery.parse("sort=speed")).getMessage()
            .contains("lag, waiting, in, out, throttled, name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LanesQuery.parse("limit=0")).getMessage()
            .startsWith("limit='0'"));
        assertThrows(IllegalArgumentException.class, () -> LanesQuery.parse("limit=1001"));
        assertThrows(IllegalArgumentException.class, () -> LanesQuery.parse("offset=-1"));
        assertThrows(IllegalArgumentException.class, () -> LanesQuery.parse("offset=x"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LanesQuery.parse("page=2")).getMessage()
            .contains("unknown parameter 'page'"));
    }

    @Test
    void namesAreEscapedAndInertInHtml()
    {
        final String name = "a\"b\\c\n<script>&\u0001";
        final Readings readings =
            new Readings(T0, EPOCH, List.of(new StreamSnapshot(name, 0, 0, 0, 0, 0, 0)), List.of(), List.of());
        final String text =
            LanesJson.render(LanesSample.of("a", "v", 0, 0, null, readings, CONFIG), LanesQuery.DEFAULT);
        assertFalse(text.contains("<"), text);
        assertFalse(text.contains("&"), text);
        assertEquals(name, JsonText.objects(JsonText.object(JsonText.parse(text)).get("streams")).get(0).get("name"));
    }

    @Test
    void numbersAreJsonNumbers()
    {
        final String text = new JsonWriter(64).beginArray().value(1.0).value(0.0004).value(2.5).value(1e20)
            .value(Double.NaN).value(Double.POSITIVE_INFINITY).value(-3L).endArray().toString();
        assertEquals("[1,0,2.5,1.0E20,null,null,-3]", text);
        assertEquals(List.of(1.0, 0.0, 2.5, 1e20), JsonText.array(JsonText.parse(text)).subList(0, 4));
    }

    private static List<Object> names(final LanesSample sample, final String query)
    {
        return JsonText.objects(JsonText.object(JsonText.parse(LanesJson.render(sample, LanesQuery.parse(query))))
            .get("streams")).stream().map(s -> s.get("name")).toList();
    }

    @Test
    void anAcknowledgingLaneSaysWhereItsSubscriberIsAndOthersSayNothing()
    {
        final LaneSnapshot plain = lane("acks", "10.0.0.4:4000", "direct", 100, 100, 0, 0, 0, 0, 0, false,
            depths(0, 0, true));
        final LaneSnapshot acking = new LaneSnapshot("acks", "/10.0.0.5:5000", "audit", "spill", LaneTier.MEMORY, 100,
            100, 10_000, 0, 0, 0, 0, 0, 0, Map.of(), 0, 10_000, 0, 0, false, depths(0, 0, true), false,
            new AckSnapshot(60, 100, 4_000, 7, 1_000, 1 << 20));
        final Readings readings = new Readings(T0, EPOCH, List.of(new StreamSnapshot("acks", 0, 2, 100, 10_000, 0, 0)),
            List.of(plain, acking), List.of());
        final Map<String, Object> json = JsonText.object(JsonText.parse(LanesJson.render(
            LanesSample.of("127.0.0.1:7440", "test", 1, 1_700_000_001_000L, readings, readings, CONFIG),
            LanesQuery.DEFAULT)));
        final List<Map<String, Object>> lanes =
            JsonText.objects(JsonText.objects(json.get("streams")).get(0).get("lanes"));
        assertTrue(!lanes.get(0).containsKey("acknowledged"), "a subscriber that does not acknowledge");
        final Map<String, Object> acknowledged = JsonText.object(lanes.get(1).get("acknowledged"));
        assertEquals(60.0, acknowledged.get("position"));
        assertEquals(100.0, acknowledged.get("sentPosition"));
        assertEquals(40.0, acknowledged.get("unackedMessages"));
        assertEquals(4_000.0, acknowledged.get("unackedBytes"));
        assertEquals(1_000.0, acknowledged.get("windowMessages"));
        assertEquals((double)(1 << 20), acknowledged.get("windowBytes"));
        assertEquals(7.0, acknowledged.get("redelivered"));
    }
}
