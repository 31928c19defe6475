package io.sluice.bench;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A scenario's notes, skips and ratios as the table prints them and as the JSON carries them. */
final class ScenarioResultsTest
{
    @Test
    void theJsonHasTheDocumentedFieldsAndRatiosRoundedToThreeDecimals()
    {
        final ScenarioResults scenario = new ScenarioResults("burst");
        scenario.note("a note");
        scenario.skip("burst/spill", "spill: not available");
        scenario.ratio("sluice/throttle", "direct", "delivered/s", 1.23456);

        final Map<String, Object> json = scenario.toJson();

        assertEquals(List.of("name", "notes", "runs", "ratios", "skipped"), List.copyOf(json.keySet()));
        assertEquals("burst", json.get("name"));
        assertEquals(List.of("a note"), json.get("notes"));
        assertEquals(List.of(), json.get("runs"));
        assertEquals(List.of(Map.of("sluice", "sluice/throttle", "peer", "direct", "measure", "delivered/s",
            "ratio", 1.235)), json.get("ratios"));
        assertEquals(List.of(Map.of("run", "burst/spill", "reason", "spill: not available")), json.get("skipped"));
        assertFalse(json.containsKey("relayCpu"));
    }

    @Test
    void theTablePrintsTheNotesTheSkipsAndTheRatios()
    {
        final ScenarioResults scenario = new ScenarioResults("max-throughput");
        scenario.note("a note");
        scenario.skip("haproxy", "haproxy: skipped, not installed");
        scenario.ratio("sluice/throttle", "direct", "delivered/s", 0.5);
        final StringWriter text = new StringWriter();

        scenario.print(new PrintWriter(text));

        final List<String> lines = text.toString().lines().toList();
        assertEquals("", lines.get(0));
        assertEquals("== max-throughput", lines.get(1));
        assertEquals("   a note", lines.get(2));
        assertTrue(lines.get(3).startsWith("run "), lines.get(3));
        assertEquals("   haproxy: skipped, not installed", lines.get(4));
        assertEquals("   sluice/throttle / direct, delivered/s: 0.50x", lines.get(5));
        assertEquals(6, lines.size());
    }
}
