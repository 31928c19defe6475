package io.sluice.server.metrics;

import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.server.Relay;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code /lanes} and the page's files over real loopback: a relay in-process with a slow consumer behind a fast
 * producer on one stream, a publisher alone on another, a subscriber alone on a third; the JSON parsed and checked
 * for the lane's state, lag and blame, the order and the paging.
 */
class LanesEndpointTest
{
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private LiveRelay live;
    private Relay relay;
    private PrometheusEndpoint endpoint;
    private SluiceClient client;
    // Messages the slow subscriber took, over both of its phases.
    private long received;

    @BeforeEach
    void start()
    {
        live = new LiveRelay();
        relay = live.relay;
        endpoint = live.endpoint;
        client = live.client;
    }

    @AfterEach
    void stop()
    {
        live.close();
    }

    @Test
    void showsTheThrottlingLaneAndBlamesItForItsProducerThenSortsAndPages() throws Exception
    {
        final Subscription slow = client.subscribe("slow");
        final Publication fast = client.publish("slow");
        final Publication alone = client.publish("idle");
        alone.send(new UnsafeBuffer(new byte[8]), 0, 8, Duration.ofSeconds(10));
        final Subscription quiet = client.subscribe("quiet");

        final Map<String, Object> during;
        final Overload overload = new Overload().produce(fast, 0).consume(slow, 20);
        try (overload)
        {
            during = lanesUntil(json ->
            {
                final Map<String, Object> stream = stream(json, "slow");
                if (stream == null || JsonText.array(stream.get("lanes")).isEmpty()
                    || JsonText.array(stream.get("producers")).isEmpty())
                {
                    return false;
                }
                final Map<String, Object> lane = JsonText.objects(stream.get("lanes")).get(0);
                final Map<String, Object> publisher = JsonText.objects(stream.get("producers")).get(0);
                return "throttling".equals(lane.get("state")) && (double)lane.get("heldSeconds") > 0
                    && (double)lane.get("lagSeconds") > 0
                    && JsonText.objects(publisher.get("heldBy")).stream()
                        .anyMatch(h -> h.get("subscriber").equals(lane.get("subscriber")));
            });
        }

        assertEquals(1.0, during.get("schema"));
        assertEquals("127.0.0.1:" + relay.port(), JsonText.object(during.get("relay")).get("address"));
        assertEquals(3.0, during.get("total"));
        final List<Map<String, Object>> streams = JsonText.objects(during.get("streams"));
        assertEquals("slow", streams.get(0).get("name"), "the stream with the largest lag comes first");
        final Map<String, Object> slowStream = streams.get(0);
        assertEquals("throttle", slowStream.get("strategy"));
        assertEquals(1.0, slowStream.get("publishers"));
        assertEquals(1.0, slowStream.get("subscribers"));
        final Map<String, Object> lane = JsonText.objects(slowStream.get("lanes")).get(0);
        assertTrue(((String)lane.get("subscriber")).startsWith("127.0.0.1:"), lane.toString());
        assertTrue((double)lane.get("waitingMessages") > 0, lane.toString());
        final Map<String, Object> handoff = JsonText.object(JsonText.object(lane.get("tiers")).get("handoff"));
        assertEquals((double)relay.config().defaultStream().laneBytes(), handoff.get("limitBytes"));
        assertTrue((double)handoff.get("bytes") > 0, lane.toString());
        final Map<String, Object> publisher = JsonText.objects(slowStream.get("producers")).get(0);
        assertTrue(((String)publisher.get("address")).startsWith("127.0.0.1:"), publisher.toString());
        assertTrue((double)publisher.get("throttledSeconds") > 0, publisher.toString());

        final Map<String, Object> idle = stream(during, "idle");
        assertEquals(1.0, idle.get("unrouted"), "the message sent with no subscriber");
        assertEquals(0.0, idle.get("lagSeconds"));
        assertTrue(JsonText.array(idle.get("lanes")).isEmpty());
        assertEquals(1, JsonText.array(stream(during, "quiet").get("lanes")).size());

        // The blame, on /metrics too.
        final PrometheusText metrics = Http.scrape(endpoint.port());
        assertTrue(metrics.value(MetricNames.PRODUCER_THROTTLED_SECONDS, MetricNames.STREAM, "slow") > 0);
        assertEquals(0.0, metrics.value(MetricNames.PRODUCER_THROTTLED_SECONDS, MetricNames.STREAM, "quiet"));
        assertTrue(metrics.has(MetricNames.SUBSCRIBER_LAG_SECONDS));
        assertEquals(1.0, metrics.samples(MetricNames.SUBSCRIBER_STATE).stream()
            .filter(s -> s.label(MetricNames.STREAM).equals("quiet")).mapToDouble(PrometheusText.Sample::value).sum(),
            "one state at a time");

        // Sorting and paging.
        assertEquals(List.of("idle", "quiet", "slow"), names(lanes("/lanes?sort=name")));
        final Map<String, Object> page = lanes("/lanes?sort=name&offset=1&limit=1");
        assertEquals(List.of("quiet"), names(page));
        assertEquals(3.0, page.get("total"));
        assertEquals(List.of(), names(lanes("/lanes?offset=3")));

        // Drained, the lane flows again and holds nobody.
        final long total = overload.sent();
        received = overload.received();
        final Map<String, Object> drained = consumeUntil(slow, total, json ->
        {
            final Map<String, Object> l = JsonText.objects(stream(json, "slow").get("lanes")).get(0);
            return "flowing".equals(l.get("state")) && (double)l.get("waitingMessages") == 0
                && (double)l.get("lagSeconds") == 0 && (double)l.get("holdingProducers") == 0;
        });
        final Map<String, Object> after = JsonText.objects(stream(drained, "slow").get("lanes")).get(0);
        assertEquals((double)total, after.get("messagesOut"));
        fast.close();
        alone.close();
        slow.close();
        quiet.close();
    }

    @Test
    void badQueriesAnswer400AndThePageIsServedFromTheJar() throws Exception
    {
        final HttpResponse<String> bad = Http.get(endpoint.port(), "/lanes?sort=speed");
        assertEquals(400, bad.statusCode());
        assertTrue(
            bad.body().contains("sort='speed' is not one of lag, waiting, in, out, throttled, name"), bad.body());
        assertEquals(400, Http.get(endpoint.port(), "/lanes?limit=0").statusCode());
        assertEquals(405, Http.send("POST", endpoint.port(), "/lanes").statusCode());

        final HttpResponse<String> json = Http.get(endpoint.port(), "/lanes");
        assertEquals(200, json.statusCode());
        assertEquals(LanesPages.JSON, json.headers().firstValue("Content-Type").orElse(""));
        assertEquals("no-store", json.headers().firstValue("Cache-Control").orElse(""));
        final HttpResponse<String> head = Http.send("HEAD", endpoint.port(), "/lanes");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());

        final HttpResponse<String> page = Http.get(endpoint.port(), "/");
        assertEquals(200, page.statusCode());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElse(""));
        assertTrue(page.body().contains("<script src=\"/sluice.js\""), page.body());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"),
            "the page runs its own script only");
        assertEquals("text/javascript; charset=utf-8",
            Http.get(endpoint.port(), "/sluice.js").headers().firstValue("Content-Type").orElse(""));
        assertEquals("text/css; charset=utf-8",
            Http.get(endpoint.port(), "/sluice.css").headers().firstValue("Content-Type").orElse(""));
        assertEquals(404, Http.get(endpoint.port(), "/sluice.jsx").statusCode());
    }

    @Test
    void pagesAskingWithinAnIntervalShareOneSampleAndOneRendering() throws Exception
    {
        final LanesSampler sampler = new LanesSampler(relay.metrics(), relay.config(), "a", "v", Duration.ofHours(1));
        final LanesPages pages = new LanesPages(sampler);
        final Subscription subscription = client.subscribe("shared");
        final LanesSample first = sampler.sample();
        assertSame(first, sampler.sample(), "one sample per interval, however often asked");
        final byte[] body = pages.answer("/lanes", "sort=lag").body();
        assertSame(body, pages.answer("/lanes", "sort=lag&offset=0").body(), "one rendering per query and sample");
        assertEquals(1, JsonText.array(JsonText.object(JsonText.parse(new String(body,
            java.nio.charset.StandardCharsets.UTF_8))).get("streams")).size());
        subscription.close();
    }

    private Map<String, Object> lanes(final String path) throws Exception
    {
        final HttpResponse<String> response = Http.get(endpoint.port(), path);
        assertEquals(200, response.statusCode(), response.body());
        return JsonText.object(JsonText.parse(response.body()));
    }

    private static Map<String, Object> stream(final Map<String, Object> json, final String name)
    {
        return JsonText.objects(json.get("streams")).stream().filter(s -> name.equals(s.get("name"))).findFirst()
            .orElse(null);
    }

    private static List<Object> names(final Map<String, Object> json)
    {
        return JsonText.objects(json.get("streams")).stream().map(s -> s.get("name")).toList();
    }

    // /lanes read every 250 ms until it shows what is awaited.
    private Map<String, Object> lanesUntil(final Predicate<Map<String, Object>> condition) throws Exception
    {
        final long begin = System.nanoTime();
        Map<String, Object> last = lanes("/lanes");
        while (!condition.test(last))
        {
            if (System.nanoTime() - begin > DEADLINE_NANOS)
            {
                fail("/lanes never showed it; last: " + last);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
            last = lanes("/lanes");
        }
        return last;
    }

    // Takes everything at full speed, then reads /lanes until it shows what is awaited.
    private Map<String, Object> consumeUntil(final Subscription subscription, final long total,
        final Predicate<Map<String, Object>> condition) throws Exception
    {
        final long begin = System.nanoTime();
        Map<String, Object> last = null;
        while (true)
        {
            subscription.poll((buffer, offset, length, header) -> received++, 10_000);
            if (received >= total)
            {
                last = lanes("/lanes");
                if (condition.test(last))
                {
                    return last;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
            if (System.nanoTime() - begin > DEADLINE_NANOS)
            {
                fail("received " + received + " of " + total + "; /lanes last: " + last);
            }
        }
    }
}
