package io.sluice.server.metrics;

import io.sluice.server.Relay;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.bridge.BridgeConfig;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.LocalTime;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bridges on {@code /metrics}, {@code /health} and in {@code sluice top}, with the tests' recording bridge
 * (io.sluice.server.bridge.RecordingBridgeFactory): one healthy, one that reports a problem.
 */
class BridgeMetricsTest
{
    @Test
    void eachBridgeHasItsSeriesHealthNamesTheUnhealthyOneAndTopShowsBoth() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2)
                .bridge(new BridgeConfig("fine", "recording", "orders", Map.of()))
                .bridge(new BridgeConfig("broken", "recording", "prices", Map.of("problem", "Kafka unreachable")))
                .build());
             PrometheusEndpoint endpoint = PrometheusEndpoint.start(relay, 0))
        {
            final String body = Http.get(endpoint.port(), "/metrics").body();
            final PrometheusText metrics = PrometheusText.parse(body);
            for (final java.lang.reflect.Field field : MetricNames.class.getFields())
            {
                if (field.getType() == String.class && ((String)field.get(null)).startsWith("sluice_bridge_"))
                {
                    final String name = (String)field.get(null);
                    assertTrue(metrics.has(name), name + " missing from /metrics");
                    assertTrue(body.contains("# TYPE " + name + " "), "no TYPE line for " + name);
                }
            }
            assertEquals(1.0, value(metrics, MetricNames.BRIDGE_UP, "fine"));
            assertEquals(0.0, value(metrics, MetricNames.BRIDGE_UP, "broken"));
            assertEquals(2.0, value(metrics, MetricNames.BRIDGE_PAUSED_PARTITIONS, "broken"));
            assertEquals(7.0, value(metrics, MetricNames.BRIDGE_LAG, "broken"));
            assertEquals(Map.of("bridge", "fine", "type", "recording", "stream", "orders", "target", "nowhere"),
                metrics.samples(MetricNames.BRIDGE_INFO).stream().filter(s -> "fine".equals(s.label("bridge")))
                    .findFirst().orElseThrow().labels());
            final PrometheusText.Sample failed = metrics.samples(MetricNames.BRIDGE_FAILED).get(0);
            assertEquals("testing", failed.label(MetricNames.REASON));
            assertEquals(1.0, failed.value());
            assertEquals("rebalance", metrics.samples(MetricNames.BRIDGE_EVENTS).get(0).label(MetricNames.EVENT));
            for (final String name : new String[] {MetricNames.BRIDGE_IN_FLIGHT, MetricNames.BRIDGE_SENT,
                MetricNames.BRIDGE_CONFIRMED, MetricNames.BRIDGE_DEAD_LETTERED})
            {
                assertEquals(2, metrics.samples(name).size(), name);
            }

            final HttpResponse<String> health = Http.get(endpoint.port(), "/health");
            assertEquals(200, health.statusCode(), "a bridge's outage leaves the relay in rotation");
            assertEquals("degraded\nbridge broken (recording, stream prices): Kafka unreachable\n", health.body());

            final TopScreen.Scrape scrape = new TopScreen.Scrape(metrics, System.nanoTime(), LocalTime.NOON);
            final String frame = TopScreen.render(scrape, scrape, "test");
            final String[] lines = frame.split("\n");
            int heading = -1;
            for (int i = 0; i < lines.length; i++)
            {
                heading = lines[i].startsWith("BRIDGE ") ? i : heading;
            }
            assertTrue(heading > 0, frame);
            assertTrue(lines[heading + 1].matches("broken +recording +prices +nowhere +DOWN +.* 2 +7"), frame);
            assertTrue(lines[heading + 2].matches("fine +recording +orders +nowhere +up +.*"), frame);
        }
    }

    private static double value(final PrometheusText text, final String name, final String bridge)
    {
        for (final PrometheusText.Sample s : text.samples(name))
        {
            if (bridge.equals(s.label(MetricNames.BRIDGE)))
            {
                return s.value();
            }
        }
        throw new AssertionError("no " + name + " for bridge " + bridge);
    }
}
