package io.sluice.tools;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The summary {@code consume} prints and the JSON object it writes. */
final class ConsumeSummaryTest
{
    private final Checker checker = new Checker();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private void received(final long messages, final long elapsedNanos)
    {
        checker.received = messages;
        checker.firstDeliveryNanos = 1_000;
        checker.lastDeliveryNanos = 1_000 + elapsedNanos;
        checker.sources.put(7, new Checker.Source());
        checker.latencyMicros.recordValue(40);
    }

    @Test
    void aCleanRunPrintsItsCountsAndLatency()
    {
        received(3_000, 1_500_000_000L);
        checker.outOfOrder = 1;
        checker.duplicates = 2;
        checker.gaps = 3;
        checker.gapMessages = 40;
        final ConsumeSummary summary = new ConsumeSummary("demo", checker, false, false, null);

        summary.print(new PrintWriter(out), new PrintWriter(err));

        assertEquals(String.format("consumed 3,000 messages from 'demo' (1 source) in 1.500 s: 2,000 msg/s%n"
            + "  outOfOrder 1, duplicates 2, gaps 3 (40 messages dropped)%n"
            + "  latency us: p50 40  p99 40  p99.9 40  max 40%n"), out.toString());
        assertEquals("", err.toString());
        final Map<String, Object> json = summary.toJson();
        assertEquals(List.of("stream", "received", "sources", "outOfOrder", "duplicates", "gaps", "gapMessages",
            "elapsedSeconds", "ratePerSecond", "latencyMicros", "connectionLost", "error"), List.copyOf(json.keySet()));
        assertEquals(1.5, json.get("elapsedSeconds"));
        assertEquals(2_000.0, json.get("ratePerSecond"));
        assertEquals(Map.of("p50", 40L, "p99", 40L, "p999", 40L, "max", 40L), json.get("latencyMicros"));
    }

    @Test
    void anAcknowledgedRunThatLostItsConnectionSaysSoOnBothStreams()
    {
        received(10, 0);
        checker.firstPosition = 5;
        checker.lastPosition = 14;
        checker.redelivered = 2;
        final ConsumeSummary summary = new ConsumeSummary("demo", checker, true, true, "connection lost: closed");

        summary.print(new PrintWriter(out), new PrintWriter(err));

        assertEquals(String.format("consumed 10 messages from 'demo' (1 source) in 0.000 s: 0 msg/s%n"
            + "  outOfOrder 0, duplicates 0, gaps 0 (0 messages dropped)%n"
            + "  latency us: p50 40  p99 40  p99.9 40  max 40%n"
            + "  acknowledged positions 5..14, redelivered 2%n"
            + "  connection lost: closed%n"), out.toString());
        assertEquals(String.format("consume: connection lost: closed%n"), err.toString());
        final Map<String, Object> json = summary.toJson();
        assertEquals(List.of("redelivered", "firstPosition", "lastPosition", "connectionLost", "error"),
            List.copyOf(json.keySet()).subList(10, 15));
        assertEquals(List.of(2L, 5L, 14L, true, "connection lost: closed"), List.copyOf(json.values()).subList(10, 15));
    }
}
