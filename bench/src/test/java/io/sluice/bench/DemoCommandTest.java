package io.sluice.bench;

import io.sluice.bench.load.StrategyRelays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sluice demo} end to end over loopback with a tiny load: every strategy this build has runs and accounts for
 * every message, the ones it lacks are reported as unavailable, and demo.json has the documented fields.
 */
final class DemoCommandTest
{
    @Test
    void runsEveryStrategyAndWritesTheDocumentedJson(@TempDir final Path out) throws Exception
    {
        final StringWriter text = new StringWriter();
        final CommandLine cli = new CommandLine(new SluiceMain());
        cli.setOut(new PrintWriter(text, true));
        final int exit = cli.execute("demo", "--no-warmup", "--seconds", "0.3", "--rate", "2000", "--consumer-rate",
            "500", "--drain", "20", "--ignore-heap", "32m", "--ignore-seconds", "1", "--out", out.toString());
        assertEquals(0, exit, text.toString());

        final Map<String, Object> json = new Yaml().load(Files.readString(out.resolve("demo.json")));
        assertEquals("sluice demo", json.get("tool"));
        assertTrue(((Map<?, ?>)json.get("machine")).containsKey("loadAverage1m"));
        final List<Map<String, Object>> runs = list(json.get("runs"));
        final List<Map<String, Object>> unavailable = list(json.get("unavailable"));
        assertEquals(StrategyRelays.ALL.size(), runs.size() + unavailable.size(), text.toString());
        for (final Map<String, Object> run : runs)
        {
            for (final String field : List.of("name", "link", "strategy", "spec", "intended", "sent", "expected",
                "delivered", "dropped", "droppedByReason", "spilled", "left", "backPressured", "peakMemoryBytes",
                "peakDiskBytes", "seconds", "sentPerSecond", "deliveredPerSecond", "latencyMicros", "timeline",
                "summary"))
            {
                assertTrue(run.containsKey(field), "run " + run.get("name") + " lacks " + field);
            }
            final long sent = number(run, "sent");
            assertTrue(sent > 0, "nothing sent in " + run.get("name"));
            // The drain is long enough for this load: everything is accounted for.
            assertEquals(0, number(run, "left"), "left over in " + run.get("name"));
            assertEquals(sent, number(run, "delivered") + accountedDrops(run), "accounting of " + run.get("name"));
            assertTrue(((Map<?, ?>)run.get("latencyMicros")).containsKey("p99"));
        }
        for (final Map<String, Object> entry : unavailable)
        {
            assertTrue(text.toString().contains(entry.get("strategy") + ": not available in this build ("),
                text.toString());
        }
        assertTrue(runs.stream().anyMatch(r -> "throttle".equals(r.get("strategy"))));

        final Map<?, ?> ignore = (Map<?, ?>)json.get("ignore");
        assertEquals(null, ignore.get("error"), String.valueOf(ignore.get("error")));
        assertTrue(((Number)ignore.get("sent")).longValue() > 0);
        for (final String chart : List.of(DemoCommand.STRATEGIES_PNG, "throughput.png", "latency.png", "memory.png"))
        {
            assertTrue(Files.size(out.resolve(chart)) > 0, chart);
        }

        // The report: the table with a row per run and the baseline, and every chart, by relative name.
        final String html = Files.readString(out.resolve("demo.html"));
        assertTrue(html.startsWith("<!DOCTYPE html>"), html);
        for (final Map<String, Object> run : runs)
        {
            assertTrue(html.contains("<td class=\"l\">" + run.get("strategy") + "</td>"),
                "no row for " + run.get("strategy"));
        }
        assertTrue(html.contains("<td class=\"l\">ignore</td>"), html);
        final java.util.regex.Matcher images = java.util.regex.Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
        int shown = 0;
        while (images.find())
        {
            assertTrue(Files.isRegularFile(out.resolve(images.group(1))),
                images.group(1) + " is not beside the report");
            shown++;
        }
        assertEquals(4, shown, html);
        assertTrue(html.indexOf(DemoCommand.STRATEGIES_PNG) < html.indexOf("<table>"), "the picture first");
        assertTrue(text.toString().contains("demo.html"), text.toString());
    }

    @Test
    void heapSizesReadAsForXmx()
    {
        assertEquals(64L << 20, DemoCommand.heapBytes("64m"));
        assertEquals(1L << 30, DemoCommand.heapBytes("1G"));
        assertEquals(512L << 10, DemoCommand.heapBytes("512k"));
        assertEquals(4096, DemoCommand.heapBytes("4096"));
        assertEquals(0, DemoCommand.heapBytes("lots"));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(final Object value)
    {
        return (List<Map<String, Object>>)value;
    }

    /** The larger of the drops announced to the consumers and the relay's own count, as the run accounts them. */
    static long accountedDrops(final Map<String, Object> run)
    {
        long relay = 0;
        for (final Object n : ((Map<?, ?>)run.get("droppedByReason")).values())
        {
            relay += ((Number)n).longValue();
        }
        return Math.max(number(run, "dropped"), relay);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(final Object value)
    {
        return (Map<String, Object>)value;
    }

    static long number(final Map<String, Object> map, final String key)
    {
        return ((Number)map.get(key)).longValue();
    }
}
