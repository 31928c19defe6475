package io.sluice.tools;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The summary {@code produce} prints and the JSON object it writes. */
final class ProduceSummaryTest
{
    @Test
    void aCleanRunPrintsOneLineAndItsJson()
    {
        final ProduceSummary summary = new ProduceSummary("demo", 64, 3_000, 7, 1_500_000_000L, 3_000, false, null);
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();

        summary.print(new PrintWriter(out), new PrintWriter(err));

        assertEquals(String.format("produced 3,000 messages of 64 bytes to 'demo' in 1.500 s: 2,000 msg/s, 7 "
            + "back-pressured offers%n"), out.toString());
        assertEquals("", err.toString());
        final Map<String, Object> json = summary.toJson();
        assertEquals(List.of("stream", "sent", "backPressured", "elapsedSeconds", "ratePerSecond", "payloadBytes",
            "acknowledged", "connectionLost", "error"), List.copyOf(json.keySet()));
        assertEquals(Arrays.asList("demo", 3_000L, 7L, 1.5, 2_000.0, 64, 3_000L, false, null),
            new ArrayList<>(json.values()));
    }

    @Test
    void aFailedRunSaysWhyOnBothStreams()
    {
        final ProduceSummary summary = new ProduceSummary("demo", 8, 10, 0, 0, 4, true, "connection lost: closed");
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();

        summary.print(new PrintWriter(out), new PrintWriter(err));

        assertEquals(String.format("produced 10 messages of 8 bytes to 'demo' in 0.000 s: 0 msg/s, 0 back-pressured "
            + "offers%n  connection lost: closed; the relay acknowledged 4 of them%n"), out.toString());
        assertEquals(String.format("produce: connection lost: closed%n"), err.toString());
        assertEquals(0.0, summary.toJson().get("ratePerSecond"));
    }
}
