package io.sluice.server.metrics;

import io.sluice.client.Publication;
import io.sluice.client.Subscription;
import io.sluice.server.config.OnStuck;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.config.StuckPolicy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A subscriber that stops polling under {@code on-stuck: wait}: {@code /metrics} and {@code /lanes} mark it stuck,
 * no subscriber is closed, and once it polls again it is no longer stuck.
 */
class StuckMetricsTest
{
    private static final long DEADLINE_MS = 60_000;
    private static final long COUNT = 300_000;

    @Test
    void aStuckSubscriberIsMarkedOnMetricsAndLanesUntilItReadsAgain() throws Exception
    {
        final RelayConfig config = RelayConfig.builder().port(0).ioThreads(2).heartbeatTimeoutMs(120_000)
            .subscriberSendBufferBytes(16 * 1024)
            .stream("s", StreamConfig.DEFAULT.withStuck(new StuckPolicy(OnStuck.WAIT, 500))).build();
        try (LiveRelay live = new LiveRelay(config))
        {
            final Subscription subscription = live.client.subscribe("s");
            final Publication publication = live.client.publish("s");
            final CompletableFuture<Boolean> sent = CompletableFuture.supplyAsync(() ->
            {
                final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
                for (long i = 0; i < COUNT; i++)
                {
                    if (publication.send(payload, 0, 64, Duration.ofMillis(DEADLINE_MS)) < 0)
                    {
                        return false;
                    }
                }
                return true;
            });

            awaitStuck(live.endpoint.port(), 1.0);
            // The lanes view is sampled once a second: its lane says so by the next sample.
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
            while (!Boolean.TRUE.equals(JsonText.objects(stream(live.endpoint.port()).get("lanes")).get(0)
                .get("stuck")))
            {
                if (System.nanoTime() - deadline > 0)
                {
                    fail("/lanes never marked the lane stuck");
                }
                Thread.sleep(20);
            }
            final PrometheusText metrics = Http.scrape(live.endpoint.port());
            assertEquals(0.0, metrics.value(MetricNames.STREAM_STUCK_CLOSED, MetricNames.STREAM, "s",
                MetricNames.ACTION, "evict"));
            assertEquals(0.0, metrics.value(MetricNames.STREAM_EVICTED_MESSAGES, MetricNames.STREAM, "s"));
            assertFalse(sent.isDone(), "the producer is held");

            final AtomicLong received = new AtomicLong();
            final long drainDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
            while (received.get() < COUNT)
            {
                if (subscription.poll((buffer, offset, length, header) -> received.incrementAndGet(), 1024) == 0
                    && System.nanoTime() - drainDeadline > 0)
                {
                    fail("received " + received.get() + " of " + COUNT);
                }
            }
            assertTrue(sent.get(DEADLINE_MS, TimeUnit.MILLISECONDS));
            awaitStuck(live.endpoint.port(), 0.0);
        }
    }

    private static void awaitStuck(final int port, final double value) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        while (true)
        {
            final PrometheusText metrics = Http.scrape(port);
            if (metrics.has(MetricNames.SUBSCRIBER_STUCK)
                && metrics.value(MetricNames.SUBSCRIBER_STUCK, MetricNames.STREAM, "s") == value)
            {
                return;
            }
            if (System.nanoTime() - deadline > 0)
            {
                fail("sluice_subscriber_stuck never " + value);
            }
            Thread.sleep(20);
        }
    }

    private static Map<String, Object> stream(final int port) throws Exception
    {
        return JsonText.objects(JsonText.object(JsonText.parse(Http.get(port, "/lanes").body())).get("streams"))
            .stream().filter(s -> "s".equals(s.get("name"))).findFirst().orElseThrow();
    }
}
