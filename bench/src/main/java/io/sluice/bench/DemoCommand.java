package io.sluice.bench;

import io.sluice.bench.load.Charts;
import io.sluice.bench.load.DemoReport;
import io.sluice.bench.load.Folders;
import io.sluice.bench.load.Format;
import io.sluice.bench.load.LoadRun;
import io.sluice.bench.load.LoadSpec;
import io.sluice.bench.load.Machine;
import io.sluice.bench.load.Quiet;
import io.sluice.bench.load.RelayProbe;
import io.sluice.bench.load.RunResult;
import io.sluice.bench.load.SluiceLink;
import io.sluice.bench.load.StrategyPanels;
import io.sluice.bench.load.StrategyRelays;
import io.sluice.bench.load.UnboundedQueueBaseline;
import io.sluice.bench.load.Verdict;
import io.sluice.bench.load.ResultJson;
import io.sluice.server.Relay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code sluice demo}: the same overload (a fast producer, a slow consumer) once per strategy, against an in-process
 * relay, then the "ignore it" baseline (an unbounded queue in a small-heap child JVM), then a table of what each did,
 * with JSON and charts in a folder.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    versionProvider = SluiceMain.Version.class,
    sortOptions = false,
    description = {
        "Shows backpressure: a producer 10x faster than its consumer, once per strategy (throttle, buffer, spill, "
            + "drop-newest, drop-oldest, latest-by-key, deadline) through an in-process relay, and once through an "
            + "unbounded queue in a JVM with a 64 MiB heap (the 'ignore it' answer: it ends in OutOfMemoryError).",
        "Prints a line a second while it runs and a table at the end; writes demo.json, PNG charts and demo.html (the "
            + "table and the charts on one page) into a folder."})
public final class DemoCommand implements Callable<Integer>
{
    /** Largest payload: the client's default largest message, and well inside the peers' read buffers. */
    static final int MAX_SIZE = 64 * 1024;

    @Spec
    private CommandSpec spec;

    @Option(names = "--seconds", defaultValue = "4", paramLabel = "S",
        description = "Seconds of overload per strategy (default: ${DEFAULT-VALUE}).")
    private double seconds;

    @Option(names = "--rate", defaultValue = "200000", paramLabel = "N",
        description = "Producer messages per second (default: ${DEFAULT-VALUE}).")
    private double rate;

    @Option(names = "--consumer-rate", defaultValue = "20000", paramLabel = "N",
        description = "Consumer messages per second (default: ${DEFAULT-VALUE}).")
    private double consumerRate;

    @Option(names = "--size", defaultValue = "64", paramLabel = "BYTES",
        description = "Payload bytes (default: ${DEFAULT-VALUE}).")
    private int size;

    @Option(names = "--strategies", split = ",", paramLabel = "NAME,...",
        description = "Strategies to show (default: all of throttle, buffer, spill, drop-newest, drop-oldest,"
            + " latest-by-key, deadline).")
    private List<String> strategies;

    @Option(names = "--drain", defaultValue = "2", paramLabel = "S",
        description = "Seconds the consumer may take the backlog at full speed after the producer stops"
            + " (default: ${DEFAULT-VALUE}).")
    private double drainSeconds;

    @Option(names = "--no-ignore", description = "Leave out the unbounded-queue baseline.")
    private boolean noIgnore;

    @Option(names = "--ignore-heap", defaultValue = "64m", paramLabel = "SIZE",
        description = "Heap of the baseline's child JVM, as for -Xmx (default: ${DEFAULT-VALUE}).")
    private String ignoreHeap;

    @Option(names = "--ignore-seconds", defaultValue = "20", paramLabel = "S",
        description = "Give up on the baseline running out of memory after S seconds (default: ${DEFAULT-VALUE}).")
    private double ignoreSeconds;

    @Option(names = "--out", paramLabel = "DIR",
        description = "Folder for demo.json and the charts (default: a new folder under the temp directory).")
    private Path out;

    @Option(names = "--no-charts", description = "Write no PNG charts.")
    private boolean noCharts;

    @Option(names = "--no-warmup", description = "Start with the first strategy in a cold JVM.")
    private boolean noWarmup;

    @Option(names = "--open", description = "Open demo.html when done (with xdg-open; without it, print its path).")
    private boolean open;

    // Each strategy's stream settings, as printed, for the report.
    private final Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception
    {
        if (seconds <= 0 || rate <= 0 || consumerRate <= 0 || size < 8 || size > MAX_SIZE || drainSeconds < 0)
        {
            throw new ParameterException(spec.commandLine(),
                "--seconds, --rate and --consumer-rate must be positive, --size from 8 to " + MAX_SIZE
                    + ", --drain not negative");
        }
        Quiet.sluiceLogs();
        final PrintWriter stdout = spec.commandLine().getOut();
        final Path folder = out != null ? Files.createDirectories(out) : Files.createTempDirectory("sluice-demo-");
        final List<String> names = strategies != null ? strategies : StrategyRelays.ALL;

        stdout.printf(Locale.ROOT, "Sluice demo: a producer at %s msg/s, a consumer at %s msg/s (%.0fx overload), "
                + "%d-byte messages, %.0f s per strategy. %s%n%n",
            Format.rate(rate), Format.rate(consumerRate), rate / consumerRate, size, seconds, Machine.line());
        stdout.flush();

        if (!noWarmup)
        {
            warmUp(stdout);
        }
        final Map<String, Object> machineAtStart = Machine.describe();
        final List<RunResult> results = new ArrayList<>();
        final List<Map<String, Object>> unavailable = new ArrayList<>();
        for (final String strategy : names)
        {
            final RunResult result = runStrategy(strategy, stdout, unavailable);
            if (result != null)
            {
                results.add(result);
            }
        }
        UnboundedQueueBaseline.Result ignore = null;
        if (!noIgnore)
        {
            stdout.printf(Locale.ROOT, "ignore: the same overload into an unbounded queue, in a JVM with -Xmx%s%n",
                ignoreHeap);
            stdout.flush();
            ignore = UnboundedQueueBaseline.run(ignoreHeap, rate, consumerRate, size, ignoreSeconds, stdout);
        }

        printTable(stdout, results, ignore);

        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("tool", "sluice demo");
        json.put("schema", 1);
        json.put("machine", machineAtStart);
        json.put("loadAverageAtEnd", Math.round(Machine.loadAverage() * 100) / 100.0);
        final List<Map<String, Object>> runs = new ArrayList<>();
        for (final RunResult result : results)
        {
            final Map<String, Object> run = result.toJson();
            run.put("summary", Verdict.of(result));
            runs.add(run);
        }
        json.put("runs", runs);
        json.put("unavailable", unavailable);
        if (ignore != null)
        {
            final Map<String, Object> baseline = ignore.toJson();
            baseline.put("summary", Verdict.of(ignore));
            json.put("ignore", baseline);
        }
        ResultJson.write(folder.resolve("demo.json"), json);
        final Map<String, String> charts = new LinkedHashMap<>();
        if (!noCharts)
        {
            writeCharts(folder, results, ignore, seconds);
            charts.put(STRATEGIES_PNG, "Each strategy on the same axes: what the producer offered (dashed), what it "
                + "got to send and what the consumer got, drops and spills per second, and the memory held "
                + "(right axis).");
            charts.put("latency.png", "Latency by percentile, from each message's intended send time.");
            charts.put("throughput.png", "Delivered per second, all strategies on one chart.");
            charts.put("memory.png", "Memory held, all strategies on one chart.");
        }
        final Path report = DemoReport.write(folder.resolve("demo.html"), intro(), Machine.line(), results, settings,
            ignore, charts);
        stdout.printf(Locale.ROOT, "%nResults: %s (demo.html, demo.json%s)%n", folder.toAbsolutePath(),
            noCharts ? "" : ", " + String.join(", ", charts.keySet()));
        if (open)
        {
            open(report, stdout);
        }
        stdout.flush();
        return 0;
    }

    /** The picture of every strategy at once. */
    static final String STRATEGIES_PNG = "strategies.png";

    private String intro()
    {
        return String.format(Locale.ROOT, "A producer offering %s msg/s to a consumer taking %s msg/s (%.0fx overload)"
                + ", %d-byte messages, %.0f s per strategy, through an in-process relay; then the same into an "
                + "unbounded queue in a JVM with -Xmx%s.", Format.rate(rate), Format.rate(consumerRate),
            rate / consumerRate, size, seconds, ignoreHeap);
    }

    // xdg-open returns at once on most desktops; its output is of no interest here.
    private static void open(final Path report, final PrintWriter stdout)
    {
        final Path xdgOpen = onPath("xdg-open");
        if (xdgOpen != null)
        {
            try
            {
                new ProcessBuilder(xdgOpen.toString(), report.toAbsolutePath().toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                stdout.println("Opening " + report.toAbsolutePath());
                return;
            }
            catch (final IOException ex)
            {
                stdout.println("xdg-open failed (" + ex.getMessage() + ")");
            }
        }
        stdout.println("Open " + report.toAbsolutePath().toUri() + " in a browser.");
    }

    private static Path onPath(final String command)
    {
        final String path = System.getenv("PATH");
        if (path == null)
        {
            return null;
        }
        for (final String dir : path.split(java.io.File.pathSeparator))
        {
            final Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /**
     * A fresh JVM runs the first strategy slowly (nothing is compiled yet) and stalls on its first spill while
     * Chronicle Queue starts up; neither is what the demo is about. So a short spill run goes first, unshown.
     */
    private void warmUp(final PrintWriter stdout) throws Exception
    {
        stdout.print("warming up the JVM (2 s)... ");
        stdout.flush();
        final Path spillDir = Files.createTempDirectory("sluice-demo-warmup-");
        try (Relay relay = Relay.start(StrategyRelays.config("spill", spillDir, 2).config());
             SluiceLink link = new SluiceLink(relay.port(), size, 1))
        {
            LoadRun.run("warmup", "spill", link, RelayProbe.of(relay), LoadSpec.steady(size, rate, 2, consumerRate),
                null);
        }
        finally
        {
            Folders.delete(spillDir);
        }
        stdout.println("done");
        stdout.println();
        stdout.flush();
    }

    // A drop policy is chosen for fresh data: its run is sized for latency (as `bench --low-latency`), so that what the
    // policy keeps fresh does not then age in megabytes of buffers on the way to the consumer.
    private static boolean dropsMessages(final String strategy)
    {
        return !List.of("throttle", "buffer", "spill").contains(strategy);
    }

    private RunResult runStrategy(
        final String strategy, final PrintWriter stdout, final List<Map<String, Object>> unavailable)
        throws Exception
    {
        final Path spillDir = Files.createTempDirectory("sluice-demo-spill-");
        try
        {
            final StrategyRelays.Configured configured;
            try
            {
                configured = StrategyRelays.config(strategy, spillDir, 2, "256MiB", dropsMessages(strategy));
            }
            catch (final IllegalArgumentException ex)
            {
                stdout.printf(Locale.ROOT, "%s: not available in this build (%s)%n%n", strategy, ex.getMessage());
                stdout.flush();
                final Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("strategy", strategy);
                entry.put("reason", ex.getMessage());
                unavailable.add(entry);
                return null;
            }
            stdout.printf(Locale.ROOT, "%s: %s%n", strategy, configured.settings());
            settings.put(strategy, configured.settings());
            stdout.flush();
            LoadSpec load = LoadSpec.steady(size, rate, seconds, consumerRate)
                .withDrain(TimeUnit.MILLISECONDS.toNanos((long)(drainSeconds * 1000)));
            if (StrategyRelays.keyed(strategy))
            {
                load = load.withKeys(64);
            }
            try (Relay relay = Relay.start(configured.config());
                 SluiceLink link = new SluiceLink(relay.port(), size, 1, dropsMessages(strategy)))
            {
                final RunResult result = LoadRun.run(strategy, strategy, link, RelayProbe.of(relay), load, stdout);
                stdout.println();
                return result;
            }
        }
        finally
        {
            Folders.delete(spillDir);
        }
    }

    private static void printTable(final PrintWriter stdout, final List<RunResult> results,
        final UnboundedQueueBaseline.Result ignore)
    {
        stdout.println();
        stdout.printf(Locale.ROOT, "%-14s %12s %12s %12s %10s %12s %10s%n",
            "strategy", "sent", "delivered", "dropped", "left", "peak memory", "p99");
        for (final RunResult r : results)
        {
            final long relayDropped = r.droppedByReason().values().stream().mapToLong(Long::longValue).sum();
            stdout.printf(Locale.ROOT, "%-14s %,12d %,12d %,12d %,10d %12s %10s%n", r.strategy(), r.sent(),
                r.delivered(), Math.max(r.dropped(), relayDropped), r.left(), Format.bytes(r.peakMemoryBytes()),
                Format.micros(r.latency(99)));
            stdout.printf(Locale.ROOT, "%-14s %s%n", "", Verdict.of(r));
        }
        if (ignore != null)
        {
            stdout.printf(Locale.ROOT, "%-14s %,12d %,12d %12s %,10d %12s %10s%n", "ignore", ignore.sent(),
                ignore.delivered(), ignore.outOfMemory() ? "all queued" : "0", ignore.queued(),
                Format.bytes(ignore.peakHeapBytes()) + " heap", Format.micros(ignore.p99Micros()));
            stdout.printf(Locale.ROOT, "%-14s %s%n", "", Verdict.of(ignore));
        }
        stdout.println("(left: on its way when the demo moved on; sent = delivered + dropped + left. Latency is from "
            + "each message's intended send time, so time a producer was held back counts.)");
        stdout.flush();
    }

    private void writeCharts(final Path folder, final List<RunResult> results,
        final UnboundedQueueBaseline.Result ignore, final double overloadSeconds) throws IOException
    {
        final List<StrategyPanels.Panel> panels = new ArrayList<>();
        for (final RunResult r : results)
        {
            panels.add(new StrategyPanels.Panel(r.strategy(), r.timeline(), rate, overloadSeconds, 0, 0));
        }
        if (ignore != null)
        {
            panels.add(new StrategyPanels.Panel("ignore (an unbounded queue, -Xmx" + ignore.heap() + ")",
                ignore.timeline(), rate, ignore.seconds(), heapBytes(ignore.heap()),
                ignore.outOfMemory() ? ignore.seconds() : 0));
        }
        StrategyPanels.write(folder.resolve(STRATEGIES_PNG), String.format(Locale.ROOT,
            "sluice demo: a producer offering %s msg/s, a consumer taking %s msg/s, per strategy (same axes)",
            Format.rate(rate), Format.rate(consumerRate)), panels);
        final List<Charts.Series> series = new ArrayList<>();
        final List<Charts.Series> duringOverload = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        final List<org.HdrHistogram.Histogram> histograms = new ArrayList<>();
        for (final RunResult r : results)
        {
            series.add(new Charts.Series(r.strategy(), r.timeline()));
            // The overload only: a backlog drained at full speed afterwards (spill's) would flatten every other line.
            duringOverload.add(new Charts.Series(r.strategy(),
                r.timeline().stream().filter(p -> p.seconds() <= overloadSeconds + 0.5).toList()));
            names.add(r.strategy());
            histograms.add(r.latencyMicros());
        }
        Charts.throughput(folder.resolve("throughput.png"), "sluice demo: delivered per second, per strategy",
            duringOverload);
        Charts.percentiles(folder.resolve("latency.png"), "sluice demo: latency by percentile, per strategy", names,
            histograms);
        final List<Charts.Series> memory = new ArrayList<>(series);
        if (ignore != null)
        {
            memory.add(new Charts.Series("ignore (heap of unbounded queue)", ignore.timeline()));
        }
        Charts.memory(folder.resolve("memory.png"), "sluice demo: memory held, per strategy", memory);
    }

    /**
     * @param heap a heap size as for -Xmx: {@code 64m}, {@code 1g}, {@code 512k} or bytes.
     * @return it in bytes; 0 when it cannot be read.
     */
    static long heapBytes(final String heap)
    {
        final String text = heap.trim().toLowerCase(Locale.ROOT);
        if (text.isEmpty())
        {
            return 0;
        }
        final char unit = text.charAt(text.length() - 1);
        final long scale = unit == 'k' ? 1L << 10 : unit == 'm' ? 1L << 20 : unit == 'g' ? 1L << 30 : 1;
        try
        {
            return Long.parseLong(scale == 1 ? text : text.substring(0, text.length() - 1)) * scale;
        }
        catch (final NumberFormatException ex)
        {
            return 0;
        }
    }
}
