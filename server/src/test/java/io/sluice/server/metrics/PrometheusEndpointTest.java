package io.sluice.server.metrics;

import io.sluice.client.MessageHandler;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.Header;
import io.sluice.server.Relay;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Prometheus endpoint over real loopback: a relay in-process, clients on real sockets, {@code /metrics} and
 * {@code /health} over HTTP.
 */
class PrometheusEndpointTest
{
    /** Large enough that a slow consumer fills the socket buffers between it and the relay within a second or so. */
    private static final int PAYLOAD = 1024;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private LiveRelay live;
    private Relay relay;
    private PrometheusEndpoint endpoint;
    private SluiceClient client;

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
    void countersFollowAnOverloadAndMatchWhatTheClientsCounted() throws Exception
    {
        final String stream = "metrics-overload";
        final Subscription subscription = client.subscribe(stream);
        final Publication publication = client.publish(stream);
        final AtomicBoolean producing = new AtomicBoolean(true);
        final AtomicLong sent = new AtomicLong();
        final AtomicLong backPressured = new AtomicLong();
        final Thread producer = new Thread(() ->
        {
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
            while (producing.get())
            {
                payload.putLong(0, sent.get());
                final long result = publication.offer(payload, 0, PAYLOAD);
                if (result >= 0)
                {
                    sent.incrementAndGet();
                }
                else if (result == Publication.BACK_PRESSURED)
                {
                    // Back off a little rather than spin: on a small machine a spinning producer would starve the
                    // relay and the consumer of CPU, and the consumer would no longer be the slow one.
                    backPressured.incrementAndGet();
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
                }
                else
                {
                    throw new IllegalStateException("offer failed: " + result);
                }
            }
        }, "producer");
        producer.start();

        // A slow consumer: 20 messages (20 KiB) every 2 ms at most, a fraction of what the producer offers. It keeps
        // going for at least 3 s and until a scrape has shown throttled time, scraping every 250 ms or so as it goes.
        final Counter counter = new Counter();
        final List<PrometheusText> during = new ArrayList<>();
        final long begin = System.nanoTime();
        long nextScrape = begin;
        boolean throttledSeen = false;
        try
        {
            while (System.nanoTime() - begin < TimeUnit.SECONDS.toNanos(3) || !throttledSeen)
            {
                if (System.nanoTime() - begin > DEADLINE_NANOS)
                {
                    fail("no scrape showed throttled time during the overload; last: " + summary(during, stream));
                }
                subscription.poll(counter, 20);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                if (System.nanoTime() >= nextScrape)
                {
                    final PrometheusText scrape = Http.scrape(endpoint.port());
                    during.add(scrape);
                    throttledSeen |= scrape.value(MetricNames.STREAM_THROTTLED_SECONDS, MetricNames.STREAM, stream) > 0;
                    nextScrape = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(250);
                }
            }
        }
        finally
        {
            producing.set(false);
            producer.join();
        }

        // During the overload: the stream and its one subscriber are there, counters only go up.
        final PrometheusText last = during.get(during.size() - 1);
        assertEquals(1.0, last.value(MetricNames.STREAM_PUBLISHERS, MetricNames.STREAM, stream));
        assertEquals(1.0, last.value(MetricNames.STREAM_SUBSCRIBERS, MetricNames.STREAM, stream));
        assertEquals(1.0, last.sum(MetricNames.PUBLISHERS));
        assertEquals(1.0, last.sum(MetricNames.SUBSCRIBERS));
        assertEquals(1, last.samples(MetricNames.SUBSCRIBER_SENT_MESSAGES).size());
        assertTrue(last.value(MetricNames.STREAM_RECEIVED_MESSAGES, MetricNames.STREAM, stream) > 0,
            summary(during, stream));
        assertTrue(last.value(MetricNames.SUBSCRIBER_SENT_MESSAGES, MetricNames.STREAM, stream) > 0,
            summary(during, stream));
        for (int i = 1; i < during.size(); i++)
        {
            for (final String counterName : List.of(MetricNames.STREAM_RECEIVED_MESSAGES,
                MetricNames.STREAM_THROTTLED_SECONDS, MetricNames.SUBSCRIBER_SENT_MESSAGES,
                MetricNames.SUBSCRIBER_ACCEPTED_MESSAGES))
            {
                assertTrue(during.get(i).sum(counterName) >= during.get(i - 1).sum(counterName),
                    counterName + " went down between scrapes " + (i - 1) + " and " + i);
            }
        }
        assertTrue(backPressured.get() > 0, "the producer was never back-pressured");

        // Drain: the consumer takes the rest at full speed.
        final long drainStart = System.nanoTime();
        while (counter.received < sent.get())
        {
            if (subscription.poll(counter, 10_000) == 0)
            {
                Thread.onSpinWait();
            }
            assertTrue(subscription.isConnected(), "subscription dropped: " + subscription.closeReason());
            assertTrue(System.nanoTime() - drainStart < DEADLINE_NANOS,
                "drain stuck at " + counter.received + " of " + sent.get());
        }
        assertEquals(sent.get(), counter.received);
        assertEquals(0, counter.outOfOrder, "messages out of order");

        // Once drained, the relay's counters equal what the clients counted.
        final PrometheusText after = scrapeUntil(s ->
            s.value(MetricNames.SUBSCRIBER_SENT_MESSAGES, MetricNames.STREAM, stream) == counter.received
                && s.value(MetricNames.SUBSCRIBER_WAITING_MESSAGES, MetricNames.STREAM, stream) == 0);
        final double total = sent.get();
        assertEquals(total, after.value(MetricNames.STREAM_RECEIVED_MESSAGES, MetricNames.STREAM, stream));
        assertEquals(total, after.sum(MetricNames.RECEIVED_MESSAGES));
        assertEquals(total, after.value(MetricNames.SUBSCRIBER_ACCEPTED_MESSAGES, MetricNames.STREAM, stream));
        assertEquals((double)counter.received,
            after.value(MetricNames.SUBSCRIBER_SENT_MESSAGES, MetricNames.STREAM, stream));
        assertEquals(after.value(MetricNames.STREAM_RECEIVED_BYTES, MetricNames.STREAM, stream),
            after.value(MetricNames.SUBSCRIBER_SENT_BYTES, MetricNames.STREAM, stream));
        assertEquals(after.sum(MetricNames.RECEIVED_BYTES),
            after.value(MetricNames.STREAM_RECEIVED_BYTES, MetricNames.STREAM, stream));
        assertEquals(after.value(MetricNames.STREAM_RECEIVED_BYTES, MetricNames.STREAM, stream),
            after.value(MetricNames.SUBSCRIBER_ACCEPTED_BYTES, MetricNames.STREAM, stream));
        assertTrue(after.value(MetricNames.STREAM_RECEIVED_BYTES, MetricNames.STREAM, stream) >= total * PAYLOAD);
        assertEquals(0.0, after.value(MetricNames.STREAM_UNROUTED_MESSAGES, MetricNames.STREAM, stream));
        assertTrue(after.value(MetricNames.STREAM_THROTTLED_SECONDS, MetricNames.STREAM, stream) > 0);
        assertEquals(0.0, after.sum(MetricNames.PROTOCOL_ERRORS));
        assertEquals(2.0, after.sum(MetricNames.CONNECTIONS_OPENED));
        assertEquals(
            1.0, after.value(MetricNames.SUBSCRIBER_TIER, MetricNames.STREAM, stream, MetricNames.TIER, "direct"));

        publication.close();
        subscription.close();
        // A closed subscriber's lane leaves the scrape; the stream's counters stay.
        final PrometheusText closed = scrapeUntil(s -> s.samples(MetricNames.SUBSCRIBER_SENT_MESSAGES).isEmpty()
            && s.sum(MetricNames.PUBLISHERS) == 0);
        assertEquals(total, closed.value(MetricNames.STREAM_RECEIVED_MESSAGES, MetricNames.STREAM, stream));
        assertEquals(0.0, closed.value(MetricNames.STREAM_SUBSCRIBERS, MetricNames.STREAM, stream));
    }

    @Test
    void everyNamedMetricIsExposedInTheTextFormat() throws Exception
    {
        final Subscription subscription = client.subscribe("names");
        final Publication publication = client.publish("names");
        publication.send(new UnsafeBuffer(new byte[PAYLOAD]), 0, PAYLOAD, Duration.ofSeconds(10));

        final HttpResponse<String> response = Http.get(endpoint.port(), "/metrics");
        assertEquals(200, response.statusCode());
        assertEquals(PrometheusEndpoint.CONTENT_TYPE, response.headers().firstValue("Content-Type").orElse(""));
        final PrometheusText text = PrometheusText.parse(response.body());
        for (final Field field : MetricNames.class.getFields())
        {
            if (field.getType() != String.class)
            {
                continue;
            }
            final String name = (String)field.get(null);
            if (Modifier.isStatic(field.getModifiers()) && name.startsWith("sluice_")
                && !name.equals(MetricNames.SUBSCRIBER_DROPPED_MESSAGES) // no lane drops yet
                && !name.startsWith("sluice_bridge_")) // no bridges here: BridgeMetricsTest
            {
                assertTrue(text.has(name), name + " missing from /metrics");
                assertTrue(response.body().contains("# TYPE " + name + " "), "no TYPE line for " + name);
            }
        }
        assertEquals("127.0.0.1:" + relay.port(), text.samples(MetricNames.RELAY_INFO).get(0).label("address"));
        assertEquals(ErrorCode.values().length, text.samples(MetricNames.PROTOCOL_ERRORS).size(),
            "one series per error code");
        assertTrue(text.has("jvm_memory_used_bytes"), "JVM metrics");
        assertTrue(text.sum(MetricNames.RELAY_UPTIME) >= 0);
        final PrometheusText.Sample lane = text.samples(MetricNames.SUBSCRIBER_SENT_MESSAGES).get(0);
        assertEquals("names", lane.label(MetricNames.STREAM));
        assertEquals("throttle", lane.label(MetricNames.STRATEGY));
        assertTrue(lane.label(MetricNames.SUBSCRIBER).startsWith("127.0.0.1:"), lane.toString());
        assertEquals((double)relay.config().defaultStream().laneBytes(),
            text.value(MetricNames.SUBSCRIBER_QUEUED_LIMIT_BYTES, MetricNames.STREAM, "names"));
        publication.close();
        subscription.close();
    }

    @Test
    void healthIsReadyOnceStartedAndStoppingOnceCloseBegins() throws Exception
    {
        final HttpResponse<String> ready = Http.get(endpoint.port(), "/health");
        assertEquals(200, ready.statusCode());
        assertEquals(PrometheusEndpoint.READY, ready.body().strip());
        assertEquals(200, Http.send("HEAD", endpoint.port(), "/health").statusCode());

        assertEquals(200, Http.get(endpoint.port(), "/").statusCode(), "the live page");
        assertEquals(404, Http.get(endpoint.port(), "/metricsx").statusCode());
        assertEquals(405, Http.send("POST", endpoint.port(), "/metrics").statusCode());

        endpoint.markStopping();
        final HttpResponse<String> stopping = Http.get(endpoint.port(), "/health");
        assertEquals(503, stopping.statusCode());
        assertEquals(PrometheusEndpoint.STOPPING, stopping.body().strip());
        assertEquals(200, Http.get(endpoint.port(), "/metrics").statusCode(), "metrics stay up while the relay closes");

        final int port = endpoint.port();
        endpoint.close();
        endpoint.close(); // idempotent
        assertThrows(ConnectException.class, () -> Http.get(port, "/health"));
    }

    @Test
    void aTakenPortIsReportedWithTheAddress()
    {
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> PrometheusEndpoint.start(relay, endpoint.port()).close());
        assertTrue(ex.getMessage().startsWith("cannot serve metrics on 127.0.0.1:" + endpoint.port()), ex.getMessage());
    }

    private PrometheusText scrapeUntil(final java.util.function.Predicate<PrometheusText> condition)
        throws IOException, InterruptedException
    {
        final long start = System.nanoTime();
        PrometheusText scrape = Http.scrape(endpoint.port());
        while (!condition.test(scrape))
        {
            if (System.nanoTime() - start > DEADLINE_NANOS)
            {
                fail("condition not met by the deadline; last scrape's sluice lines:\n" + sluiceLines(scrape));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            scrape = Http.scrape(endpoint.port());
        }
        return scrape;
    }

    private static String summary(final List<PrometheusText> scrapes, final String stream)
    {
        if (scrapes.isEmpty())
        {
            return "no scrapes";
        }
        final PrometheusText last = scrapes.get(scrapes.size() - 1);
        return scrapes.size() + " scrapes; last: received "
            + last.value(MetricNames.STREAM_RECEIVED_MESSAGES, MetricNames.STREAM, stream)
            + ", sent " + last.value(MetricNames.SUBSCRIBER_SENT_MESSAGES, MetricNames.STREAM, stream)
            + ", throttled s " + last.value(MetricNames.STREAM_THROTTLED_SECONDS, MetricNames.STREAM, stream);
    }

    private static String sluiceLines(final PrometheusText scrape)
    {
        final StringBuilder b = new StringBuilder();
        for (final java.lang.reflect.Field field : MetricNames.class.getFields())
        {
            try
            {
                final String name = (String)field.get(null);
                for (final PrometheusText.Sample s : scrape.samples(name))
                {
                    b.append(s).append('\n');
                }
            }
            catch (final ReflectiveOperationException | ClassCastException ignored)
            {
                // not a name
            }
        }
        return b.toString();
    }

    /** Counts messages and checks each payload carries the next sequence of the one producer. */
    private static final class Counter implements MessageHandler
    {
        long received;
        long outOfOrder;

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            if (buffer.getLong(offset) != received)
            {
                outOfOrder++;
            }
            received++;
        }
    }
}
