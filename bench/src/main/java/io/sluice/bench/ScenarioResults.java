package io.sluice.bench;

import io.sluice.bench.load.Charts;
import io.sluice.bench.load.Format;
import io.sluice.bench.load.RunResult;
import org.HdrHistogram.Histogram;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one scenario of {@code sluice bench} measured: its runs, the ratios between them, notes, what was skipped and
 * the relay's CPU; printed as a table, as the scenario's JSON object (schema in docs/bench.md) and as PNG charts.
 */
final class ScenarioResults
{
    private final String name;
    private final List<RunResult> runs = new ArrayList<>();
    private final List<Map<String, Object>> ratios = new ArrayList<>();
    private final List<Map<String, Object>> skipped = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final List<CpuOfRun> relayCpu = new ArrayList<>();

    ScenarioResults(final String name)
    {
        this.name = name;
    }

    void add(final RunResult result)
    {
        runs.add(result);
    }

    void note(final String text)
    {
        notes.add(text);
    }

    // The relay's CPU over a run (its event loops, or a peer's server process), warmup and drain included.
    void cpu(final RunResult run, final long nanos)
    {
        relayCpu.add(new CpuOfRun(run, nanos));
    }

    /** @return the relay CPU {@link #cpu} recorded for a run of this scenario, or -1 when none was. */
    long cpuNanos(final RunResult run)
    {
        for (final CpuOfRun cpu : relayCpu)
        {
            if (cpu.run() == run)
            {
                return cpu.nanos();
            }
        }
        return -1;
    }

    void skip(final String run, final String reason)
    {
        final Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("run", run);
        entry.put("reason", reason);
        skipped.add(entry);
    }

    void ratio(final RunResult sluice, final RunResult peer, final String what, final double value)
    {
        ratio(sluice.name(), peer.name(), what, value);
    }

    void ratio(final String sluice, final String peer, final String what, final double value)
    {
        final Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("sluice", sluice);
        entry.put("peer", peer);
        entry.put("measure", what);
        entry.put("ratio", Math.round(value * 1000) / 1000.0);
        ratios.add(entry);
    }

    void print(final PrintWriter out)
    {
        out.println();
        out.println("== " + name);
        notes.forEach(n -> out.println("   " + n));
        out.printf(Locale.ROOT, "%-34s %12s %12s %11s %11s %10s %9s %9s %9s %9s %12s%n", "run", "sent/s",
            "delivered/s", "dropped", "spilled", "peak mem", "p50", "p99", "p99.9", "max", "stalls");
        for (final RunResult r : runs)
        {
            final long relayDropped = r.droppedByReason().values().stream().mapToLong(Long::longValue).sum();
            out.printf(Locale.ROOT, "%-34s %12s %12s %,11d %,11d %10s %9s %9s %9s %9s %12s%n", r.name(),
                Format.rate(r.sentPerSecond()), Format.rate(r.deliveredPerSecond()),
                Math.max(r.dropped(), relayDropped), r.spilled(),
                r.link().startsWith("sluice") ? Format.bytes(r.peakMemoryBytes()) : "-",
                latency(r, 50), latency(r, 99), latency(r, 99.9), latency(r, 100), r.stalls().text());
        }
        for (final CpuOfRun run : relayCpu)
        {
            final Map<String, Object> cpu = run.toJson();
            out.printf(Locale.ROOT, "   relay CPU %-34s %8.3f s %10.3f us/msg%n", cpu.get("run"),
                (Double)cpu.get("cpuSeconds"), (Double)cpu.get("cpuMicrosPerMessage"));
        }
        for (final Map<String, Object> s : skipped)
        {
            out.println("   " + s.get("reason"));
        }
        for (final Map<String, Object> r : ratios)
        {
            out.printf(Locale.ROOT, "   %s / %s, %s: %.2fx%n", r.get("sluice"), r.get("peer"), r.get("measure"),
                (Double)r.get("ratio"));
        }
        out.flush();
    }

    // "-" when no message stamped in the measured window arrived (a consumer that is nearly stopped).
    private static String latency(final RunResult r, final double percentile)
    {
        return r.latencyMicros().getTotalCount() == 0 ? "-" : Format.micros(r.latency(percentile));
    }

    Map<String, Object> toJson()
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", name);
        json.put("notes", notes);
        final List<Map<String, Object>> list = new ArrayList<>();
        runs.forEach(r -> list.add(r.toJson()));
        json.put("runs", list);
        json.put("ratios", ratios);
        json.put("skipped", skipped);
        if (!relayCpu.isEmpty())
        {
            json.put("relayCpu", relayCpu.stream().map(CpuOfRun::toJson).toList());
        }
        return json;
    }

    void charts(final Path folder) throws java.io.IOException
    {
        final List<Charts.Series> series = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        final List<Histogram> histograms = new ArrayList<>();
        for (final RunResult r : runs)
        {
            series.add(new Charts.Series(r.name(), r.timeline()));
            names.add(r.name());
            histograms.add(r.latencyMicros());
        }
        Charts.throughput(folder.resolve(name + "-throughput.png"),
            "sluice bench " + name + ": delivered per second", series);
        // One latency chart per rate of a ladder: twenty curves on one chart cannot be told apart.
        final Map<String, List<Integer>> byRate = new LinkedHashMap<>();
        for (int i = 0; i < runs.size(); i++)
        {
            final String runName = runs.get(i).name();
            final int at = runName.lastIndexOf('@');
            byRate.computeIfAbsent(at < 0 ? "" : runName.substring(at + 1), k -> new ArrayList<>()).add(i);
        }
        for (final Map.Entry<String, List<Integer>> group : byRate.entrySet())
        {
            final String suffix = group.getKey().isEmpty() ? "" : "-" + group.getKey().replace(",", "");
            final String at = group.getKey().isEmpty() ? "" : " at " + group.getKey() + " msg/s";
            Charts.percentiles(folder.resolve(name + suffix + "-latency.png"),
                "sluice bench " + name + at + ": latency by percentile",
                group.getValue().stream().map(names::get).toList(),
                group.getValue().stream().map(histograms::get).toList());
        }
        Charts.memory(folder.resolve(name + "-memory.png"), "sluice bench " + name + ": relay memory", series);
    }

    // A run's relay CPU: as JSON, seconds and microseconds per message delivered.
    private record CpuOfRun(RunResult run, long nanos)
    {
        Map<String, Object> toJson()
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("run", run.name());
            entry.put("cpuSeconds", Math.round(nanos / 1e6) / 1000.0);
            entry.put("cpuMicrosPerMessage", run.delivered() == 0 ? 0 :
                Math.round(nanos / 1e3 / run.delivered() * 1000) / 1000.0);
            return entry;
        }
    }
}
