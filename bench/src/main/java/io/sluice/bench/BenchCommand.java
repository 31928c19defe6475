package io.sluice.bench;

import io.sluice.bench.load.Machine;
import io.sluice.bench.load.Quiet;
import io.sluice.bench.load.ResultJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sluice bench}: scenarios of open-loop load against an in-process relay, and the same load over peers
 * (a direct TCP connection, haproxy, NATS core, NATS JetStream) started by the bench itself, with Sluice's figures as
 * ratios to each peer measured in the same run. Results as a table on stdout, progress on stderr, optionally JSON
 * ({@code --json}, schema in docs/bench.md) and PNG charts ({@code --charts}).
 * <p>
 * This class runs the named scenarios in turn and writes the report; {@link BenchOptions} holds the options,
 * {@link BenchRuns} makes one run, the scenario classes choose the runs and {@link ScenarioResults} reports them.
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
            + "Prometheus scraper; not run by default), tls (plain, JDK TLS and OpenSSL TLS at 64 B and 1 KiB, with "
            + "the relay's CPU).",
        "Latency is from each message's intended send time to its delivery (coordinated omission corrected), "
            + "recorded in HdrHistograms. Everything runs on 127.0.0.1."})
public final class BenchCommand implements Callable<Integer>
{
    /** Scenarios run when none is named. */
    public static final List<String> SCENARIOS = List.of("max-throughput", "latency-at-rate", "overload", "burst",
        "many-connections", "kafka", "tls");

    @Spec
    private CommandSpec spec;

    @Mixin
    private BenchOptions options = new BenchOptions();

    @Override
    public Integer call() throws Exception
    {
        options.validate(spec.commandLine());
        Quiet.sluiceLogs();
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter progress = spec.commandLine().getErr();
        final List<String> names = options.scenarios() != null ? options.scenarios() : SCENARIOS;
        out.println("sluice bench: " + String.join(", ", names) + "; " + Machine.line());
        out.flush();

        final BenchGoals goals = new BenchGoals(options.size(), options.ack());
        final BenchRuns runs = new BenchRuns(options, progress);
        final PeerScenarios peerScenarios = new PeerScenarios(options, runs, goals);
        final StrategyScenarios strategyScenarios = new StrategyScenarios(options, runs);
        final Map<String, Object> report = new LinkedHashMap<>();
        report.put("tool", "sluice bench");
        report.put("schema", 1);
        report.put("machine", Machine.describe());
        final List<Map<String, Object>> scenarioJson = new ArrayList<>();
        for (final String name : names)
        {
            final ScenarioResults scenario = new ScenarioResults(name);
            switch (name)
            {
                case "max-throughput" -> peerScenarios.maxThroughput(scenario);
                case "latency-at-rate" -> peerScenarios.latencyAtRate(scenario);
                case "overload" -> strategyScenarios.overload(scenario);
                case "burst" -> strategyScenarios.burst(scenario);
                case "many-connections" -> strategyScenarios.manyConnections(scenario);
                case "tls" -> new TlsScenario(options, runs).tls(scenario);
                case "custom" -> strategyScenarios.custom(scenario);
                case "kafka" -> KafkaScenario.run(scenario, options, progress);
                case "observer-cost" -> new ObserverCostScenario(options, runs).observerCost(scenario);
                default -> throw new ParameterException(spec.commandLine(), "unknown scenario '" + name + "'");
            }
            scenario.print(out);
            scenarioJson.add(scenario.toJson());
            if (options.charts() != null)
            {
                scenario.charts(Files.createDirectories(options.charts()));
            }
        }
        report.put("scenarios", scenarioJson);
        goals.print(out);
        report.put("goals", goals.toJson());
        report.put("loadAverageAtEnd", Math.round(Machine.loadAverage() * 100) / 100.0);
        if (options.json() != null)
        {
            ResultJson.write(options.json(), report);
            out.println("JSON: " + options.json().toAbsolutePath());
        }
        if (options.charts() != null)
        {
            out.println("charts: " + options.charts().toAbsolutePath());
        }
        out.flush();
        return 0;
    }
}
