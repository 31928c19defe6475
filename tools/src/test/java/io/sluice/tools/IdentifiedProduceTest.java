package io.sluice.tools;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** produce --producer-id, --epoch and --reconnect: their checks, and what an identified run's summary adds. */
final class IdentifiedProduceTest
{
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args)
    {
        return new CommandLine(new ProduceCommand())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    }

    @Test
    void reconnectAndEpochNeedAProducerId()
    {
        assertEquals(2, run("--stream", "demo", "--reconnect", "--count", "1"));
        assertTrue(err.toString().contains("--reconnect and --epoch need --producer-id"), err.toString());
        assertEquals(2, run("--stream", "demo", "--epoch", "1", "--count", "1"));
    }

    @Test
    void aNegativeEpochIsRefused()
    {
        assertEquals(2, run("--stream", "demo", "--producer-id", "5", "--epoch", "-1", "--count", "1"));
        assertTrue(err.toString().contains("--epoch must be 0 or more"), err.toString());
    }

    @Test
    void anIdentifiedRunSaysWhoItWasWhereItStartedAndWhatItResent()
    {
        final ProduceSummary summary = new ProduceSummary("demo", 64, 1_200, 0, 1_000_000_000L, 1_000, false, null,
            new ProducerRun(5, 1, 1_000, 200, 1));
        summary.print(new PrintWriter(out), new PrintWriter(err));

        assertTrue(out.toString().endsWith(String.format("  as producer 5, epoch 1, from sequence 1,000: 200 resent "
            + "after 1 reconnects%n")), out.toString());
        final Map<String, Object> json = summary.toJson();
        assertEquals(List.of("stream", "sent", "backPressured", "elapsedSeconds", "ratePerSecond", "payloadBytes",
            "acknowledged", "connectionLost", "error", "producerId", "epoch", "firstSequence", "resent", "reconnects"),
            List.copyOf(json.keySet()));
        assertEquals(5L, json.get("producerId"));
        assertEquals(1, json.get("epoch"));
        assertEquals(1_000L, json.get("firstSequence"));
        assertEquals(200L, json.get("resent"));
    }
}
