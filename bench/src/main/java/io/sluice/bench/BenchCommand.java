package io.sluice.bench;

import io.sluice.bench.load.BenchCertificate;
import io.sluice.bench.load.Charts;
import io.sluice.bench.load.Folders;
import io.sluice.bench.load.Format;
import io.sluice.bench.load.Link;
import io.sluice.bench.load.LoadRun;
import io.sluice.bench.load.LoadSpec;
import io.sluice.bench.load.Machine;
import io.sluice.bench.load.PagePoller;
import io.sluice.bench.load.Quiet;
import io.sluice.bench.load.RelayCpu;
import io.sluice.bench.load.RelayProbe;
import io.sluice.bench.load.ResultJson;
import io.sluice.bench.load.RunResult;
import io.sluice.bench.load.SluiceLink;
import io.sluice.bench.load.StrategyRelays;
import io.sluice.bench.peer.Peers;
import io.sluice.bench.peer.SluiceSocketLink;
import io.sluice.client.ClientTls;
import io.sluice.core.tls.TlsProvider;
import io.sluice.server.Relay;
import io.sluice.server.RelayConfig;
import io.sluice.server.security.TlsSettings;
import io.sluice.server.metrics.PrometheusEndpoint;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

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
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * {@code sluice bench}: scenarios of open-loop load against an in-process relay, and the same load over peers
 * (a direct TCP connection, haproxy, NATS core, NATS JetStream) started by the bench itself, with Sluice's figures as
 * ratios to each peer measured in the same run. Results as a table on stdout, progress on stderr, optionally JSON
 * ({@code --json}, schema in docs/bench.md) and PNG charts ({@code --charts}).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    versionProvider = SluiceMain.Version.class,
    sortOptions = false,
    description = {
        "Measures Sluice under open-loop load, and the same load over peers it starts itself when installed "
            + "(direct TCP, haproxy, nats-server: NATS core and JetStream with file storage).",
        "Scenarios: max-throughput, latency-at-rate (a ladder of rates), overload (10x, per strategy), burst (idle, a "
            + "20x spike, idle; per strategy), many-connections (1000 producers), custom (the options below), "
            + "observer-cost (max-throughput without and with the metrics endpoint watched by --pages live pages and a "
            + "Prometheus scraper; not run by default), tls (plain, JDK TLS and OpenSSL TLS at 64 B and 1 KiB, with the "
            + "relay's CPU).",
        "Latency is from each message's intended send time to its delivery (coordinated omission corrected), "
            + "recorded in HdrHistograms. Everything runs on 127.0.0.1."})
public final class BenchCommand implements Callable<Integer>
{
    /** Largest payload: the client's default largest message, and well inside the peers' read buffers. */
    static final int MAX_SIZE = 64 * 1024;

    /** Scenarios run when none is named. */
    public static final List<String> SCENARIOS = List.of("max-throughput", "latency-at-rate", "overload", "burst",
        "many-connections", "kafka", "tls");

    /** Payload sizes of the tls scenario. */
    static final int[] TLS_SIZES = {64, 1024};

    @Spec
    private CommandSpec spec;

    @Option(names = "--scenario", split = ",", paramLabel = "NAME,...",
        description = "Scenarios to run (default: max-throughput, latency-at-rate, overload, burst, many-connections, "
            + "kafka, tls).")
    private List<String> scenarios;

    @Option(names = "--duration", defaultValue = "5", paramLabel = "S", description = "Measured seconds per run (default: ${DEFAULT-VALUE}).")
    private double duration;

    @Option(names = "--warmup", defaultValue = "1", paramLabel = "S", description = "Warmup seconds per run, not measured (default: ${DEFAULT-VALUE}).")
    private double warmup;

    @Option(names = "--size", defaultValue = "64", paramLabel = "BYTES", description = "Payload bytes (default: ${DEFAULT-VALUE}).")
    private int size;

    @Option(names = "--rate", defaultValue = "200000", paramLabel = "N|max",
        description = "Producer messages per second for overload, burst peak and custom; max for as fast as possible (default: ${DEFAULT-VALUE}).")
    private String rate;

    @Option(names = "--rates", split = ",", defaultValue = "20000,100000,200000,500000", paramLabel = "N,...",
        description = "The latency-at-rate ladder (default: ${DEFAULT-VALUE}); half of NATS core's maximum is added when it was measured.")
    private List<Double> rates;

    @Option(names = "--tls-rate", defaultValue = "50000", paramLabel = "N",
        description = "The fixed rate of the tls scenario's latency runs, messages per second (default: ${DEFAULT-VALUE}).")
    private double tlsRate;

    @Option(names = "--consumer-rate", paramLabel = "N",
        description = "Messages per second each consumer takes (default: unlimited; overload and burst: a tenth of --rate).")
    private Double consumerRate;

    @Option(names = "--producers", defaultValue = "1", paramLabel = "N", description = "Producers in custom (default: ${DEFAULT-VALUE}).")
    private int producers;

    @Option(names = "--consumers", defaultValue = "1", paramLabel = "N", description = "Consumers in custom (default: ${DEFAULT-VALUE}).")
    private int consumers;

    @Option(names = "--streams", defaultValue = "1", paramLabel = "N", description = "Streams in custom (default: ${DEFAULT-VALUE}).")
    private int streams;

    @Option(names = "--connections", defaultValue = "1000", paramLabel = "N",
        description = "Producers in many-connections (default: ${DEFAULT-VALUE}).")
    private int connections;

    @Option(names = "--strategy", defaultValue = "throttle", paramLabel = "NAME",
        description = "Relay strategy for max-throughput, latency-at-rate, many-connections and custom (default: ${DEFAULT-VALUE}).")
    private String strategy;

    @Option(names = "--strategies", split = ",", paramLabel = "NAME,...",
        description = "Strategies for overload and burst (default: throttle, buffer, spill, drop-newest, drop-oldest, latest-by-key, deadline).")
    private List<String> strategies;

    @Option(names = "--peers", split = ",", defaultValue = "direct,haproxy,nats-core,jetstream", paramLabel = "NAME,...|none",
        description = "Peers for max-throughput and latency-at-rate (default: ${DEFAULT-VALUE}).")
    private List<String> peers;

    @Option(names = "--low-latency",
        description = "Size the path to the subscriber for latency, not throughput: drop policies keep 4 KiB in memory"
            + " (deadline: 2ms), the relay's subscriber send buffer is 2 KiB with write-buffer marks of 2 and 4 KiB, the"
            + " consumer's receive buffer 2 KiB and its ring 16 KiB. Lossless strategies keep their memory sizes.")
    private boolean lowLatency;

    @Option(names = "--classic-client",
        description = "Sluice's runs publish with Publication.offer and consume with Subscription.poll (each a copy "
            + "into a ring and a hop between threads), instead of claiming in exclusive publications and handling "
            + "messages on the event loop; to compare the client's paths.")
    private boolean classicClient;

    @Option(names = "--relay-threads", defaultValue = "2",
        description = "Event loop threads of the in-process relay (default: ${DEFAULT-VALUE}).")
    private int relayThreads;

    @Option(names = "--drain", defaultValue = "3", paramLabel = "S",
        description = "Longest time the consumers get to take the backlog once the producers stop; a run ends as soon as"
            + " every message is accounted for (default: ${DEFAULT-VALUE}).")
    private double drain;

    @Option(names = "--pages", defaultValue = "1", paramLabel = "N",
        description = "Live pages observer-cost plays: each fetches /lanes once a second (default: ${DEFAULT-VALUE}).")
    private int pages;

    @Option(names = "--rounds", defaultValue = "3", paramLabel = "N",
        description = "Pairs of runs (unwatched, watched) in observer-cost (default: ${DEFAULT-VALUE}).")
    private int rounds;

    @Option(names = "--json", paramLabel = "FILE", description = "Write every run as JSON to FILE (schema: docs/bench.md).")
    private Path json;

    @Option(names = "--charts", paramLabel = "DIR", description = "Write PNG charts per scenario into DIR.")
    private Path charts;

    private PrintWriter out;
    private PrintWriter progress;
    private double natsCoreMax;
    private BenchGoals goals;
    // Why the last peer() returned null: "<peer> not installed" or "<peer> failed".
    private String peerMissing;

    @Override
    public Integer call() throws Exception
    {
        validate();
        Quiet.sluiceLogs();
        out = spec.commandLine().getOut();
        progress = spec.commandLine().getErr();
        final List<String> names = scenarios != null ? scenarios : SCENARIOS;
        out.println("sluice bench: " + String.join(", ", names) + "; " + Machine.line());
        out.flush();

        goals = new BenchGoals(size);
        final Map<String, Object> report = new LinkedHashMap<>();
        report.put("tool", "sluice bench");
        report.put("schema", 1);
        report.put("machine", Machine.describe());
        final List<Map<String, Object>> scenarioJson = new ArrayList<>();
        for (final String name : names)
        {
            final Scenario scenario = new Scenario(name);
            switch (name)
            {
                case "max-throughput" -> maxThroughput(scenario);
                case "latency-at-rate" -> latencyAtRate(scenario);
                case "overload" -> overload(scenario);
                case "burst" -> burst(scenario);
                case "many-connections" -> manyConnections(scenario);
                case "tls" -> tls(scenario);
                case "custom" -> custom(scenario);
                case "kafka" -> kafka(scenario);
                case "observer-cost" -> observerCost(scenario);
                default -> throw new ParameterException(spec.commandLine(), "unknown scenario '" + name + "'");
            }
            scenario.print(out);
            scenarioJson.add(scenario.toJson());
            if (charts != null)
            {
                scenario.charts(Files.createDirectories(charts));
            }
        }
        report.put("scenarios", scenarioJson);
        goals.print(out);
        report.put("goals", goals.toJson());
        report.put("loadAverageAtEnd", Math.round(Machine.loadAverage() * 100) / 100.0);
        if (json != null)
        {
            ResultJson.write(json, report);
            out.println("JSON: " + json.toAbsolutePath());
        }
        if (charts != null)
        {
            out.println("charts: " + charts.toAbsolutePath());
        }
        out.flush();
        return 0;
    }

    private void validate()
    {
        if (duration <= 0 || warmup < 0 || size < 8 || size > MAX_SIZE || producers < 1 || consumers < 1 || streams < 1
            || connections < 1 || relayThreads < 1 || pages < 0 || rounds < 1 || tlsRate <= 0)
        {
            throw new ParameterException(spec.commandLine(), "--duration must be positive, --warmup not negative, "
                + "--size from 8 to " + MAX_SIZE + ", counts (and --relay-threads) at least 1, --tls-rate positive");
        }
        if (peers.size() == 1 && "none".equals(peers.get(0)))
        {
            peers = List.of();
        }
        for (final String peer : peers)
        {
            if (!Peers.ALL.contains(peer))
            {
                throw new ParameterException(spec.commandLine(), "unknown peer '" + peer + "' (known: " + String.join(", ", Peers.ALL) + ")");
            }
        }
        parseRate(rate);
    }

    private double parseRate(final String text)
    {
        if ("max".equals(text))
        {
            return LoadSpec.MAX_RATE;
        }
        try
        {
            final double value = Double.parseDouble(text);
            if (value > 0)
            {
                return value;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // Reported below.
        }
        throw new ParameterException(spec.commandLine(), "--rate must be a positive number or max, was " + text);
    }

    private long nanos(final double seconds)
    {
        return (long)(seconds * 1e9);
    }

    private LoadSpec steady(final double messagesPerSecond, final double consumerCap)
    {
        return LoadSpec.steady(size, messagesPerSecond, duration, consumerCap).withWarmup(nanos(warmup))
            .withDrain(nanos(drain));
    }

    // --- scenarios ---

    private void kafka(final Scenario scenario) throws Exception
    {
        if (!io.sluice.bench.kafka.KafkaBench.available())
        {
            scenario.skip("kafka", "kafka: skipped, Kafka's server jars are not on the class path (./sluice adds "
                + "bench/target/kafka-broker/, which the build fills)");
            return;
        }
        final io.sluice.bench.kafka.KafkaBench.Result r = io.sluice.bench.kafka.KafkaBench.run(warmup, duration, size,
            progress);
        scenario.note(String.format(Locale.ROOT, "Kafka's producer: %s records/s confirmed (one partition, %d-byte "
            + "payloads, the sink's producer settings and headers)", Format.rate(r.producerPerSecond()), size));
        scenario.note(String.format(Locale.ROOT, "stream -> kafka-sink -> topic: %s records/s confirmed; %,d "
            + "published, %,d in the topic, %d failed: %s", Format.rate(r.bridgePerSecond()), r.published(),
            r.inTopic(), r.failed(), r.lossless() ? "lossless" : "NOT LOSSLESS"));
        scenario.ratio("kafka-sink", "kafka-producer", "records/s", r.bridgePerSecond() / r.producerPerSecond());
    }

    private void maxThroughput(final Scenario scenario) throws Exception
    {
        final LoadSpec load = steady(LoadSpec.MAX_RATE, 0);
        final RunResult sluice = sluice(scenario, "sluice/" + strategy, strategy, load, "256MiB");
        // The relay alone: the same plain-socket producer and consumer as the direct and haproxy runs.
        final RunResult relayOnly = socketClients(scenario, "", load);
        goals.ran(BenchGoals.Run.CLIENT_MAX, sluice);
        goals.ran(BenchGoals.Run.SOCKET_MAX, relayOnly);
        goals.missing(BenchGoals.Run.CLIENT_MAX, "the client library's run was skipped");
        goals.missing(BenchGoals.Run.SOCKET_MAX, "the socket clients' run was skipped");
        goals.missing(BenchGoals.Run.HAPROXY_MAX, "haproxy not in --peers");
        for (final String peer : peers)
        {
            if ("jetstream".equals(peer))
            {
                continue;
            }
            final RunResult result = peer(scenario, peer, load);
            if ("haproxy".equals(peer))
            {
                goals.ran(BenchGoals.Run.HAPROXY_MAX, result);
                goals.missing(BenchGoals.Run.HAPROXY_MAX, peerMissing);
            }
            if (result != null && "nats-core".equals(peer))
            {
                natsCoreMax = result.deliveredPerSecond();
            }
            for (final RunResult own : new RunResult[] {sluice, relayOnly})
            {
                if (own != null && result != null)
                {
                    scenario.ratio(own, result, "delivered/s", own.deliveredPerSecond() / result.deliveredPerSecond());
                }
            }
        }
        if (peers.contains("jetstream"))
        {
            // The disk-backed comparison: spill taking messages onto disk while its subscriber is nearly stopped,
            // against JetStream storing them to file.
            final RunResult spill = sluice(scenario, "sluice/spill (absorbing)", "spill",
                steady(LoadSpec.MAX_RATE, 1000).withDrain(0), "8GiB");
            final RunResult jetstream = peer(scenario, "jetstream", steady(LoadSpec.MAX_RATE, 0));
            if (spill != null && jetstream != null)
            {
                scenario.ratio(spill, jetstream, "stored/s (spill sent/s over JetStream acked/s)",
                    spill.sentPerSecond() / jetstream.deliveredPerSecond());
            }
        }
    }

    private void latencyAtRate(final Scenario scenario) throws Exception
    {
        final List<Double> ladder = new ArrayList<>(rates);
        if (natsCoreMax > 0)
        {
            ladder.add(Math.floor(natsCoreMax / 2));
            scenario.note(String.format(Locale.ROOT, "half of NATS core's maximum (%s msg/s, measured in max-throughput) added to the ladder",
                Format.rate(natsCoreMax)));
        }
        final boolean goalRate = ladder.contains(BenchGoals.LATENCY_RATE);
        for (final BenchGoals.Run run : new BenchGoals.Run[] {BenchGoals.Run.CLIENT_AT_RATE,
            BenchGoals.Run.SOCKET_AT_RATE, BenchGoals.Run.HAPROXY_AT_RATE})
        {
            goals.missing(run, !goalRate ? Format.rate(BenchGoals.LATENCY_RATE) + " msg/s not in --rates" :
                run == BenchGoals.Run.HAPROXY_AT_RATE ? "haproxy not in --peers" : "the run was skipped");
        }
        for (final double r : ladder)
        {
            final LoadSpec load = steady(r, 0);
            final String at = "@" + Format.rate(r);
            final RunResult sluice = sluice(scenario, "sluice/" + strategy + at, strategy, load, "256MiB");
            // The relay alone at this rate, for goal 3 with socket clients.
            final RunResult relayOnly = socketClients(scenario, at, load);
            final boolean isGoalRate = r == BenchGoals.LATENCY_RATE;
            if (isGoalRate)
            {
                goals.ran(BenchGoals.Run.CLIENT_AT_RATE, sluice);
                goals.ran(BenchGoals.Run.SOCKET_AT_RATE, relayOnly);
            }
            for (final String peer : peers)
            {
                if ("jetstream".equals(peer))
                {
                    continue;
                }
                final RunResult result = peer(scenario, peer + at, peer, load);
                if (isGoalRate && "haproxy".equals(peer))
                {
                    goals.ran(BenchGoals.Run.HAPROXY_AT_RATE, result);
                    goals.missing(BenchGoals.Run.HAPROXY_AT_RATE, peerMissing);
                }
                for (final RunResult own : new RunResult[] {sluice, relayOnly})
                {
                    if (own != null && result != null)
                    {
                        scenario.ratio(own, result, "p99", (double)own.latency(99) / Math.max(1, result.latency(99)));
                    }
                }
            }
        }
    }

    private void overload(final Scenario scenario) throws Exception
    {
        final double producerRate = parseRate(rate);
        final double cap = consumerRate != null ? consumerRate : Double.isInfinite(producerRate) ? 20_000 : producerRate / 10;
        for (final String s : strategies != null ? strategies : StrategyRelays.ALL)
        {
            LoadSpec load = steady(producerRate, cap);
            if (StrategyRelays.keyed(s))
            {
                load = load.withKeys(64);
            }
            sluice(scenario, "overload/" + s, s, load, "256MiB");
        }
    }

    private void burst(final Scenario scenario) throws Exception
    {
        final double peak = Double.isInfinite(parseRate(rate)) ? 200_000 : parseRate(rate);
        final double base = peak / 20;
        final double cap = consumerRate != null ? consumerRate : base * 2;
        final List<LoadSpec.Phase> phases = List.of(LoadSpec.Phase.of(duration * 0.4, base),
            LoadSpec.Phase.of(duration * 0.2, peak), LoadSpec.Phase.of(duration * 0.4, base));
        scenario.note(String.format(Locale.ROOT, "%s msg/s, then %s msg/s for %.1f s, then %s msg/s; consumer at %s msg/s",
            Format.rate(base), Format.rate(peak), duration * 0.2, Format.rate(base), Format.rate(cap)));
        for (final String s : strategies != null ? strategies : StrategyRelays.ALL)
        {
            LoadSpec load = new LoadSpec(1, 1, 1, 1, size, phases, nanos(warmup), cap, 0, TimeUnit.SECONDS.toNanos(3));
            if (StrategyRelays.keyed(s))
            {
                load = load.withKeys(64);
            }
            sluice(scenario, "burst/" + s, s, load, "256MiB");
        }
    }

    private void manyConnections(final Scenario scenario) throws Exception
    {
        final double total = "max".equals(rate) ? LoadSpec.MAX_RATE : Math.min(parseRate(rate), connections * 100.0);
        final LoadSpec load = new LoadSpec(connections, 4, 1, 1, size, List.of(LoadSpec.Phase.of(duration, total)),
            nanos(warmup), 0, 0, TimeUnit.SECONDS.toNanos(3));
        scenario.note(String.format(Locale.ROOT, "%d producer connections driven by 4 threads, %s msg/s in all, one consumer",
            connections, Double.isInfinite(total) ? "max" : Format.rate(total)));
        sluice(scenario, "sluice/" + strategy + " x" + connections, strategy, load, "256MiB");
    }

    private void custom(final Scenario scenario) throws Exception
    {
        LoadSpec load = new LoadSpec(producers, Math.min(producers, 4), consumers, streams, size,
            List.of(new LoadSpec.Phase(nanos(duration), parseRate(rate))), nanos(warmup),
            consumerRate != null ? consumerRate : 0, 0, TimeUnit.SECONDS.toNanos(3));
        if (StrategyRelays.keyed(strategy))
        {
            load = load.withKeys(64);
        }
        sluice(scenario, "sluice/" + strategy, strategy, load, "256MiB");
    }

    // What watching the relay costs it: max-throughput in pairs, without and with the metrics endpoint, live pages
    // polling /lanes every second and a Prometheus scraper, alternating so that drift in the machine hits both alike.
    private void observerCost(final Scenario scenario) throws Exception
    {
        final LoadSpec load = steady(LoadSpec.MAX_RATE, 0);
        final List<Double> ratios = new ArrayList<>();
        for (int round = 1; round <= rounds; round++)
        {
            final Function<Relay, Link> link = relay -> new SluiceLink(relay.port(), size, 1, 0);
            final RunResult unwatched = sluice(scenario, "sluice/" + strategy + " unwatched #" + round, strategy, load,
                "256MiB", link, 0, null);
            final RunResult watched = sluice(scenario, "sluice/" + strategy + " watched #" + round, strategy, load,
                "256MiB", link, pages, null);
            if (unwatched != null && watched != null)
            {
                final double ratio = watched.deliveredPerSecond() / unwatched.deliveredPerSecond();
                ratios.add(ratio);
                scenario.ratio(watched, unwatched, "delivered/s", ratio);
            }
        }
        ratios.sort(null);
        if (!ratios.isEmpty())
        {
            final double median = ratios.get(ratios.size() / 2);
            scenario.note(String.format(Locale.ROOT, "watched: %d page(s) fetching /lanes every second and /metrics "
                + "scraped every 5 s; median delivered/s watched over unwatched %.3f (cost %.1f%%)", pages, median,
                (1 - median) * 100));
        }
    }

    // Plain TCP, TLS through the JDK's engine and through OpenSSL, at each size: the most the relay delivers, and the
    // latency at a fixed rate, each with the CPU the relay's event loops spent per message.
    private void tls(final Scenario scenario) throws Exception
    {
        final Path dir = Files.createTempDirectory("sluice-bench-tls-");
        try
        {
            final BenchCertificate certificate = BenchCertificate.create(dir);
            scenario.note(String.format(Locale.ROOT, "throttle, TLS 1.3, a self-signed EC P-256 certificate; the same "
                + "engine on the relay and in the clients; fixed rate %s msg/s; relay CPU: its event loops' CPU time "
                + "over the whole run (connecting, warmup and drain included), per message delivered",
                Format.rate(tlsRate)));
            for (final int payload : TLS_SIZES)
            {
                final Map<TlsProvider, RunResult> fastest = new LinkedHashMap<>();
                for (final TlsProvider engine : new TlsProvider[] {null, TlsProvider.JDK, TlsProvider.OPENSSL})
                {
                    final String transport = engine == null ? "plain" : "tls-" + engine.configName();
                    if (engine == TlsProvider.OPENSSL && !io.netty.handler.ssl.OpenSsl.isAvailable())
                    {
                        scenario.skip("tls/" + transport, "OpenSSL does not load here: " +
                            io.netty.handler.ssl.OpenSsl.unavailabilityCause());
                        continue;
                    }
                    final UnaryOperator<RelayConfig> secure = config -> engine == null ? config : config.toBuilder()
                        .security(config.security().withTls(TlsSettings.of(certificate.certificate(), certificate.key())
                            .withProvider(engine))).build();
                    final ClientTls clientTls = engine == null ? null :
                        ClientTls.trusting(certificate.certificate()).withProvider(engine);
                    final Function<Relay, Link> link = relay -> new SluiceLink(relay.port(), payload, 1, 0, classicClient,
                        clientTls);
                    final String name = "tls/" + transport + " " + payload + "B";
                    final RunResult max = sluice(scenario, name + " max", strategy, tlsLoad(payload, LoadSpec.MAX_RATE),
                        "256MiB", link, 0, secure);
                    sluice(scenario, name + " @" + Format.rate(tlsRate), strategy, tlsLoad(payload, tlsRate), "256MiB",
                        link, 0, secure);
                    if (max != null)
                    {
                        fastest.put(engine, max);
                    }
                }
                final RunResult plain = fastest.get(null);
                for (final TlsProvider engine : new TlsProvider[] {TlsProvider.JDK, TlsProvider.OPENSSL})
                {
                    final RunResult encrypted = fastest.get(engine);
                    if (plain != null && encrypted != null)
                    {
                        scenario.ratio(encrypted, plain, "delivered/s", encrypted.deliveredPerSecond() /
                            plain.deliveredPerSecond());
                    }
                }
            }
        }
        finally
        {
            Folders.delete(dir);
        }
    }

    private LoadSpec tlsLoad(final int payload, final double messagesPerSecond)
    {
        return LoadSpec.steady(payload, messagesPerSecond, duration, 0).withWarmup(nanos(warmup)).withDrain(nanos(drain));
    }

    // --- one run ---

    // Sluice's relay with the plain-socket producer and consumer of the direct and haproxy peers.
    private RunResult socketClients(final Scenario scenario, final String suffix, final LoadSpec load) throws Exception
    {
        return sluice(scenario, "sluice/" + strategy + " (socket clients)" + suffix, strategy, load, "256MiB",
            relay -> new SluiceSocketLink(relay.port()));
    }

    private RunResult sluice(final Scenario scenario, final String name, final String strategyName, final LoadSpec load,
        final String spillQuota) throws Exception
    {
        return sluice(scenario, name, strategyName, load, spillQuota, relay -> new SluiceLink(relay.port(), size,
            load.producers() > 100 ? 2 : 1, lowLatency ? StrategyRelays.LOW_LATENCY_BUFFER_BYTES : 0, classicClient));
    }

    private RunResult sluice(final Scenario scenario, final String name, final String strategyName, final LoadSpec load,
        final String spillQuota, final Function<Relay, Link> linkTo) throws Exception
    {
        return sluice(scenario, name, strategyName, load, spillQuota, linkTo, 0, null);
    }

    /**
     * @param watchingPages 0, or live pages (and a scraper) watching the relay's metrics endpoint during the run.
     * @param secure changes the relay's settings (TLS), or null; a run with it also reports the relay's CPU.
     */
    private RunResult sluice(final Scenario scenario, final String name, final String strategyName, final LoadSpec load,
        final String spillQuota, final Function<Relay, Link> linkTo, final int watchingPages,
        final UnaryOperator<RelayConfig> secure) throws Exception
    {
        final Path spillDir = Files.createTempDirectory("sluice-bench-spill-");
        try
        {
            final StrategyRelays.Configured configured;
            try
            {
                configured = StrategyRelays.config(strategyName, spillDir, relayThreads, spillQuota, lowLatency);
            }
            catch (final IllegalArgumentException ex)
            {
                scenario.skip(name, strategyName + ": not available in this build (" + ex.getMessage() + ")");
                return null;
            }
            try (Relay relay = Relay.start(secure == null ? configured.config() : secure.apply(configured.config()));
                 PrometheusEndpoint endpoint = watchingPages > 0 ? PrometheusEndpoint.start(relay, 0) : null;
                 PagePoller watchers = endpoint != null ? new PagePoller(endpoint.port(), watchingPages) : null;
                 Link link = linkTo.apply(relay))
            {
                final RelayCpu cpu = RelayCpu.start();
                final RunResult result = LoadRun.run(name, strategyName, link, RelayProbe.of(relay), load, progress);
                if (watchers != null && (watchers.answered() == 0 || watchers.failed() > 0))
                {
                    scenario.note(name + ": the watchers had " + watchers.answered() + " answers and " + watchers.failed()
                        + " failures");
                }
                scenario.add(result);
                if (secure != null && RelayCpu.supported())
                {
                    scenario.cpu(result, cpu.nanos());
                }
                return result;
            }
        }
        finally
        {
            Folders.delete(spillDir);
        }
    }

    private RunResult peer(final Scenario scenario, final String peer, final LoadSpec load) throws Exception
    {
        return peer(scenario, peer, peer, load);
    }

    private RunResult peer(final Scenario scenario, final String name, final String peer, final LoadSpec load) throws Exception
    {
        final Peers.Running running;
        try
        {
            running = Peers.start(peer);
        }
        catch (final Peers.Unavailable ex)
        {
            scenario.skip(name, peer + ": skipped, " + ex.getMessage());
            peerMissing = peer + " not installed";
            return null;
        }
        try (running)
        {
            final RunResult result = LoadRun.run(name, "", running.link(), null, load, progress);
            scenario.add(result);
            return result;
        }
        catch (final Exception ex)
        {
            scenario.skip(name, peer + ": failed, " + ex);
            peerMissing = peer + " failed";
            return null;
        }
    }

    /** The runs of one scenario, the ratios between them, and what was skipped. */
    private static final class Scenario
    {
        final String name;
        final List<RunResult> runs = new ArrayList<>();
        final List<Map<String, Object>> ratios = new ArrayList<>();
        final List<Map<String, Object>> skipped = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        final List<Map<String, Object>> relayCpu = new ArrayList<>();

        Scenario(final String name)
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

        // The relay's event loops' CPU over a run: seconds, and microseconds per message delivered.
        void cpu(final RunResult run, final long nanos)
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("run", run.name());
            entry.put("cpuSeconds", Math.round(nanos / 1e6) / 1000.0);
            entry.put("cpuMicrosPerMessage", run.delivered() == 0 ? 0 : Math.round(nanos / 1e3 / run.delivered() * 1000) /
                1000.0);
            relayCpu.add(entry);
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
            out.printf(Locale.ROOT, "%-34s %12s %12s %11s %11s %10s %9s %9s %9s %9s%n", "run", "sent/s", "delivered/s",
                "dropped", "spilled", "peak mem", "p50", "p99", "p99.9", "max");
            for (final RunResult r : runs)
            {
                final long relayDropped = r.droppedByReason().values().stream().mapToLong(Long::longValue).sum();
                out.printf(Locale.ROOT, "%-34s %12s %12s %,11d %,11d %10s %9s %9s %9s %9s%n", r.name(),
                    Format.rate(r.sentPerSecond()), Format.rate(r.deliveredPerSecond()), Math.max(r.dropped(), relayDropped),
                    r.spilled(), r.link().startsWith("sluice") ? Format.bytes(r.peakMemoryBytes()) : "-", latency(r, 50), latency(r, 99), latency(r, 99.9),
                    latency(r, 100));
            }
            for (final Map<String, Object> cpu : relayCpu)
            {
                out.printf(Locale.ROOT, "   relay CPU %-34s %8.3f s %10.3f us/msg%n", cpu.get("run"), (Double)cpu.get("cpuSeconds"),
                    (Double)cpu.get("cpuMicrosPerMessage"));
            }
            for (final Map<String, Object> s : skipped)
            {
                out.println("   " + s.get("reason"));
            }
            for (final Map<String, Object> r : ratios)
            {
                out.printf(Locale.ROOT, "   %s / %s, %s: %.2fx%n", r.get("sluice"), r.get("peer"), r.get("measure"), (Double)r.get("ratio"));
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
                json.put("relayCpu", relayCpu);
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
            Charts.throughput(folder.resolve(name + "-throughput.png"), "sluice bench " + name + ": delivered per second", series);
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
    }
}
