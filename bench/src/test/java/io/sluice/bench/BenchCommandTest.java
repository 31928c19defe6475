package io.sluice.bench;

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
import java.util.stream.Stream;

import static io.sluice.bench.DemoCommandTest.list;
import static io.sluice.bench.DemoCommandTest.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sluice bench} end to end over loopback with a tiny load: Sluice runs and the direct TCP peer (which needs
 * nothing installed) account for every message, a ratio is reported, and the JSON has the documented fields.
 */
final class BenchCommandTest
{
    private static final List<String> RUN_FIELDS = List.of("name", "link", "strategy", "spec", "intended", "sent",
        "expected", "delivered", "dropped", "droppedByReason", "spilled", "left", "backPressured", "peakMemoryBytes",
        "peakDiskBytes", "seconds", "sentPerSecond", "deliveredPerSecond", "latencyMicros", "stalls", "timeline");

    @Test
    void runsScenariosAndPeersAndWritesTheDocumentedJson(@TempDir final Path dir) throws Exception
    {
        final Path json = dir.resolve("bench.json");
        final String text = bench("--scenario", "latency-at-rate,overload,many-connections",
            "--rates", "2000", "--peers", "direct", "--strategies", "throttle,buffer", "--rate", "2000",
            "--connections", "20", "--duration", "0.3", "--warmup", "0.1", "--drain", "60", "--json", json.toString(),
            "--charts", dir.resolve("charts").toString());

        final Map<String, Object> report = new Yaml().load(Files.readString(json));
        assertEquals("sluice bench", report.get("tool"));
        assertTrue(((Map<?, ?>)report.get("machine")).containsKey("cores"));
        final List<Map<String, Object>> scenarios = list(report.get("scenarios"));
        assertEquals(List.of("latency-at-rate", "overload", "many-connections"),
            scenarios.stream().map(s -> s.get("name")).toList());
        int runs = 0;
        for (final Map<String, Object> scenario : scenarios)
        {
            for (final Map<String, Object> run : list(scenario.get("runs")))
            {
                runs++;
                for (final String field : RUN_FIELDS)
                {
                    assertTrue(run.containsKey(field), run.get("name") + " lacks " + field);
                }
                final Map<String, Object> latency = DemoCommandTest.cast(run.get("latencyMicros"));
                for (final String field : List.of("count", "p50", "p90", "p99", "p999", "p9999", "max"))
                {
                    assertTrue(latency.containsKey(field), run.get("name") + " latency lacks " + field);
                }
                final Map<String, Object> stalls = DemoCommandTest.cast(run.get("stalls"));
                assertTrue(stalls.containsKey("count") && stalls.containsKey("longestMicros"), run.get("name") +
                    " stalls lack count or longestMicros: " + stalls);
                final long sent = number(run, "sent");
                assertTrue(sent > 0, "nothing sent in " + run.get("name"));
                assertEquals(0, number(run, "left"), "left over in " + run.get("name"));
                assertEquals(number(run, "expected"), number(run, "delivered") + DemoCommandTest.accountedDrops(run),
                    "accounting of " + run.get("name"));
            }
        }
        // latency-at-rate: sluice through its event loops, with direct I/O, in the invoker mode, with socket clients,
        // and the direct peer; overload: throttle and buffer; many-connections: one.
        assertEquals(8, runs, text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("run ") && l.endsWith(" stalls")), text);
        final List<Map<String, Object>> ratios = list(scenarios.get(0).get("ratios"));
        assertEquals(List.of("sluice/throttle@2,000", "sluice/throttle (direct)@2,000",
            "sluice/throttle (invoker)@2,000", "sluice/throttle (socket clients)@2,000"),
            ratios.stream().map(r -> r.get("sluice")).toList());
        assertEquals(List.of("direct@2,000", "direct@2,000", "direct@2,000", "direct@2,000"),
            ratios.stream().map(r -> r.get("peer")).toList());
        assertTrue(Files.size(dir.resolve("charts").resolve("overload-throughput.png")) > 0);
    }

    @Test
    void maxThroughputAlsoRunsTheRelayWithTheSocketClientsOfTheBytePeers(@TempDir final Path dir) throws Exception
    {
        final Path json = dir.resolve("max.json");
        final boolean haproxy = io.sluice.bench.peer.ExternalServer.find("haproxy") != null;
        final String text = bench("--scenario", "max-throughput", "--peers", "direct,haproxy", "--duration", "0.3",
            "--warmup", "0.1", "--drain", "60", "--json", json.toString());

        final Map<String, Object> report = new Yaml().load(Files.readString(json));
        final Map<String, Object> scenario = list(report.get("scenarios")).get(0);
        final List<Map<String, Object>> runs = list(scenario.get("runs"));
        final List<String> sluiceRuns = List.of("sluice/throttle", "sluice/throttle (direct)",
            "sluice/throttle (invoker)", "sluice/throttle (socket clients)");
        final List<String> peerRuns = haproxy ? List.of("direct", "haproxy") : List.of("direct");
        assertEquals(Stream.concat(sluiceRuns.stream(), peerRuns.stream()).toList(),
            runs.stream().map(r -> r.get("name")).toList(), text);
        assertEquals(haproxy ? List.of("sluice", "sluice-direct", "sluice-invoked", "sluice-socket", "direct",
            "haproxy") : List.of("sluice", "sluice-direct", "sluice-invoked", "sluice-socket", "direct"),
            runs.stream().map(r -> r.get("link")).toList());
        // The relay's CPU: its event loops in Sluice's runs, haproxy's process in its run; the direct peer has none.
        assertEquals(haproxy ? Stream.concat(sluiceRuns.stream(), Stream.of("haproxy")).toList() :
            sluiceRuns, list(scenario.get("relayCpu")).stream().map(c -> c.get("run")).toList(), text);
        for (final Map<String, Object> run : runs)
        {
            assertTrue(number(run, "delivered") > 0, "nothing delivered in " + run.get("name"));
            assertEquals(0, number(run, "left"), "left over in " + run.get("name"));
            assertEquals(number(run, "expected"), number(run, "delivered"), "lossless " + run.get("name"));
        }
        assertEquals(haproxy ? Stream.concat(sluiceRuns.stream(), sluiceRuns.stream()).toList() : sluiceRuns,
            list(scenario.get("ratios")).stream().map(r -> r.get("sluice")).toList());

        // Goal 1 from the Sluice runs (the client three ways over socket clients); goal 2 needs haproxy, goal 3
        // latency-at-rate.
        final List<Map<String, Object>> goals = list(report.get("goals"));
        assertEquals(List.of(1, 1, 1, 2, 2, 3, 3, 3, 3), goals.stream().map(g -> g.get("goal")).toList());
        final Map<String, Object> clientOverSocket = goals.get(0);
        final double socket = ((Number)runs.get(3).get("deliveredPerSecond")).doubleValue();
        final double expected = ((Number)runs.get(0).get("deliveredPerSecond")).doubleValue() / socket;
        final double direct = ((Number)runs.get(1).get("deliveredPerSecond")).doubleValue() / socket;
        final double invoked = ((Number)runs.get(2).get("deliveredPerSecond")).doubleValue() / socket;
        assertEquals(direct, ((Number)goals.get(1).get("ratio")).doubleValue(), 0.001);
        assertEquals(invoked, ((Number)goals.get(2).get("ratio")).doubleValue(), 0.001);
        assertEquals(expected, ((Number)clientOverSocket.get("ratio")).doubleValue(), 0.001);
        assertEquals(0.8, ((Number)clientOverSocket.get("target")).doubleValue());
        assertEquals(">=", clientOverSocket.get("comparison"));
        assertEquals(expected >= 0.8, clientOverSocket.get("met"));
        if (haproxy)
        {
            assertTrue(((Number)goals.get(3).get("ratio")).doubleValue() > 0, goals.get(3).toString());
            assertEquals("relay CPU per message, socket clients / haproxy, at max, 64 B", goals.get(4).get("measure"));
        }
        else
        {
            assertEquals("haproxy not installed", goals.get(3).get("why"));
            assertEquals(null, goals.get(3).get("ratio"));
            assertEquals("haproxy not installed", goals.get(4).get("why"));
        }
        assertEquals("latency-at-rate not run", goals.get(5).get("why"));
        assertTrue(text.contains("== goals"), text);
        // The text prints the goal's own ratio, rounded down as the JSON's was.
        final double ratio = ((Number)clientOverSocket.get("ratio")).doubleValue();
        assertTrue(text.contains(java.math.BigDecimal.valueOf(ratio).setScale(2, java.math.RoundingMode.FLOOR) +
            "x (target >= 0.80: " + (ratio >= 0.8 ? "met" : "not met") + ")"), text);
        assertTrue(text.contains("not measured (latency-at-rate not run)"), text);
    }

    @Test
    void ackAddsTheAcknowledgedRunsAndTheirGoals(@TempDir final Path dir) throws Exception
    {
        final Path json = dir.resolve("ack.json");
        final String text = bench("--scenario", "max-throughput", "--ack", "--peers", "jetstream", "--duration", "0.3",
            "--warmup", "0.1", "--drain", "60", "--json", json.toString());

        final Map<String, Object> report = new Yaml().load(Files.readString(json));
        final Map<String, Object> scenario = list(report.get("scenarios")).get(0);
        final boolean nats = io.sluice.bench.peer.ExternalServer.find("nats-server") != null;
        final List<String> expectedRuns = nats ?
            List.of("sluice/throttle", "sluice/throttle (acked)", "sluice/throttle (direct)",
                "sluice/throttle (invoker)", "sluice/throttle (socket clients)", "sluice/spill (absorbing)",
                "jetstream",
                "sluice/spill (durable, acked)", "jetstream (durable, acked)") :
            List.of("sluice/throttle", "sluice/throttle (acked)", "sluice/throttle (direct)",
                "sluice/throttle (invoker)", "sluice/throttle (socket clients)", "sluice/spill (absorbing)",
                "sluice/spill (durable, acked)");
        final List<Map<String, Object>> runs = list(scenario.get("runs"));
        assertEquals(expectedRuns, runs.stream().map(r -> r.get("name")).toList(), text);
        for (final Map<String, Object> run : runs)
        {
            if (!"sluice/spill (absorbing)".equals(run.get("name")))
            {
                assertTrue(number(run, "delivered") > 0, "nothing delivered in " + run.get("name"));
                assertEquals(0, number(run, "left"), "left over in " + run.get("name"));
                assertEquals(number(run, "expected"), number(run, "delivered"), "lossless " + run.get("name"));
            }
        }

        final List<Map<String, Object>> goals = list(report.get("goals"));
        assertEquals(List.of(1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 5), goals.stream().map(g -> g.get("goal")).toList());
        final double acked = ((Number)runs.get(1).get("deliveredPerSecond")).doubleValue() /
            ((Number)runs.get(0).get("deliveredPerSecond")).doubleValue();
        assertEquals(acked, ((Number)goals.get(9).get("ratio")).doubleValue(), 0.001);
        assertEquals(0.9, ((Number)goals.get(9).get("target")).doubleValue());
        assertEquals(20.0, ((Number)goals.get(10).get("target")).doubleValue());
        if (nats)
        {
            final double durable = ((Number)runs.get(7).get("deliveredPerSecond")).doubleValue() /
                ((Number)runs.get(8).get("deliveredPerSecond")).doubleValue();
            assertEquals(durable, ((Number)goals.get(10).get("ratio")).doubleValue(), 0.001);
        }
        else
        {
            assertEquals("jetstream-acked not installed", goals.get(10).get("why"));
        }
        assertTrue(text.contains("sluice/throttle (acked) / sluice/throttle, delivered/s (acknowledged over "
            + "unacknowledged)"), text);
    }

    @Test
    void withoutJetStreamTheDurableAcknowledgedGoalSaysSo(@TempDir final Path dir) throws Exception
    {
        final Path json = dir.resolve("ack-none.json");
        bench("--scenario", "max-throughput", "--ack", "--peers", "none", "--duration", "0.2", "--warmup", "0.1",
            "--drain", "60", "--json", json.toString());
        final List<Map<String, Object>> goals = list(new Yaml().<Map<String, Object>>load(Files.readString(json))
            .get("goals"));
        assertTrue(((Number)goals.get(9).get("ratio")).doubleValue() > 0, goals.get(9).toString());
        assertEquals("jetstream not in --peers", goals.get(10).get("why"));
    }

    @Test
    void latencyAtRateRunsTheSocketClientsTooAndTheGoalsSayWhatHaproxyLacks(@TempDir final Path dir)
        throws Exception
    {
        final Path json = dir.resolve("latency.json");
        final String text = bench("--scenario", "latency-at-rate", "--rates", "200000", "--peers", "haproxy",
            "--duration", "0.3", "--warmup", "0.1", "--drain", "60", "--json", json.toString());

        final Map<String, Object> report = new Yaml().load(Files.readString(json));
        final Map<String, Object> scenario = list(report.get("scenarios")).get(0);
        final boolean haproxy = io.sluice.bench.peer.ExternalServer.find("haproxy") != null;
        final List<String> names = list(scenario.get("runs")).stream().map(r -> (String)r.get("name")).toList();
        final List<String> own = List.of("sluice/throttle@200,000", "sluice/throttle (direct)@200,000",
            "sluice/throttle (invoker)@200,000", "sluice/throttle (socket clients)@200,000");
        assertEquals(haproxy ? Stream.concat(own.stream(), Stream.of("haproxy@200,000")).toList() : own, names, text);
        for (final Map<String, Object> run : list(scenario.get("runs")))
        {
            assertEquals(0, number(run, "left"), "left over in " + run.get("name"));
            assertEquals(number(run, "expected"), number(run, "delivered"), "lossless " + run.get("name"));
        }
        final List<Map<String, Object>> goals = list(report.get("goals"));
        assertEquals("max-throughput not run", goals.get(0).get("why"));
        for (final Map<String, Object> goal : goals.subList(5, 9))
        {
            assertEquals("<=", goal.get("comparison"));
            if (haproxy)
            {
                assertTrue(((Number)goal.get("ratio")).doubleValue() > 0, goal.toString());
            }
            else
            {
                assertEquals("haproxy not installed", goal.get("why"), goal.toString());
                assertTrue(text.contains("not measured (haproxy not installed)"), text);
            }
        }
    }

    @Test
    void withoutTheGoalRateInTheLadderGoalThreeSaysSo(@TempDir final Path dir) throws Exception
    {
        final Path json = dir.resolve("ladder.json");
        bench("--scenario", "latency-at-rate", "--rates", "2000", "--peers", "none", "--duration", "0.2",
            "--warmup", "0.1", "--drain", "60", "--json", json.toString());
        final List<Map<String, Object>> goals = list(new Yaml().<Map<String, Object>>load(Files.readString(json))
            .get("goals"));
        for (final Map<String, Object> goal : goals.subList(5, 9))
        {
            assertEquals("200,000 msg/s not in --rates", goal.get("why"), goal.toString());
        }
    }

    @Test
    void tlsRunsPlainJdkAndOpenSslAtBothSizesWithTheRelaysCpu(@TempDir final Path dir) throws Exception
    {
        final Path json = dir.resolve("tls.json");
        final String text = bench("--scenario", "tls", "--tls-rate", "2000", "--duration", "0.3", "--warmup", "0.1",
            "--json", json.toString());

        final Map<String, Object> scenario = list(DemoCommandTest.cast(new Yaml().load(Files.readString(json)))
            .get("scenarios")).get(0);
        final List<Map<String, Object>> runs = list(scenario.get("runs"));
        assertEquals(List.of("tls/plain 64B max", "tls/plain 64B @2,000", "tls/tls-jdk 64B max",
            "tls/tls-jdk 64B @2,000", "tls/tls-openssl 64B max", "tls/tls-openssl 64B @2,000", "tls/plain 1024B max",
            "tls/plain 1024B @2,000",
            "tls/tls-jdk 1024B max", "tls/tls-jdk 1024B @2,000", "tls/tls-openssl 1024B max",
            "tls/tls-openssl 1024B @2,000"), runs.stream().map(r -> r.get("name")).toList(), text);
        for (final Map<String, Object> run : runs)
        {
            assertTrue(number(run, "delivered") > 0, "nothing delivered in " + run.get("name"));
            assertEquals(number(run, "expected"), number(run, "delivered"), "lossless " + run.get("name"));
        }
        final List<Map<String, Object>> cpu = list(scenario.get("relayCpu"));
        assertEquals(12, cpu.size(), text);
        assertTrue(cpu.stream().allMatch(c -> ((Number)c.get("cpuMicrosPerMessage")).doubleValue() > 0),
            cpu.toString());
        assertEquals(List.of("tls/tls-jdk 64B max", "tls/tls-openssl 64B max", "tls/tls-jdk 1024B max",
            "tls/tls-openssl 1024B max"), list(scenario.get("ratios")).stream().map(r -> r.get("sluice")).toList());
        assertTrue(text.contains("relay CPU tls/tls-openssl 1024B max"), text);
    }

    @Test
    void bothClientPathsAccountForEveryMessage(@TempDir final Path dir) throws Exception
    {
        // Unpaced consumers: claims and a handler on the event loop by default, offer and poll with --classic-client;
        // a paced consumer polls either way.
        final String[][] paths = {{}, {"--classic-client"}, {"--consumer-rate", "5000"}};
        for (int i = 0; i < paths.length; i++)
        {
            final String[] options = paths[i];
            final Path json = dir.resolve("custom-" + i + ".json");
            final String[] args = {"--scenario", "custom", "--producers", "2", "--consumers", "2", "--streams", "2",
                "--rate", "20000", "--duration", "0.3", "--warmup", "0.1", "--drain", "60", "--json", json.toString()};
            final String[] all = java.util.Arrays.copyOf(args, args.length + options.length);
            System.arraycopy(options, 0, all, args.length, options.length);
            final String text = bench(all);
            final Map<String, Object> run = list(list(new Yaml().<Map<String, Object>>load(Files.readString(json))
                .get("scenarios")).get(0).get("runs")).get(0);
            assertTrue(number(run, "sent") > 0, "nothing sent: " + text);
            assertEquals(0, number(run, "left"), "left over with " + String.join(" ", options) + ": " + text);
            assertEquals(number(run, "expected"), number(run, "delivered"),
                "lossless with " + String.join(" ", options));
        }
    }

    @Test
    void mixedClientRunsEachEndOnItsEventLoopWithTheOtherDirectBothWays(@TempDir final Path dir) throws Exception
    {
        final Path json = dir.resolve("mixed.json");
        final String text = bench("--scenario", "latency-at-rate", "--rates", "20000", "--mixed-client", "--peers",
            "none", "--duration", "0.3", "--warmup", "0.1", "--drain", "60", "--json", json.toString());
        final List<Map<String, Object>> runs = list(list(new Yaml().<Map<String, Object>>load(Files.readString(json))
            .get("scenarios")).get(0).get("runs"));
        assertEquals(List.of("sluice/throttle@20,000", "sluice/throttle (direct)@20,000",
            "sluice/throttle (invoker)@20,000", "sluice/throttle (loop pub, direct sub)@20,000",
            "sluice/throttle (direct pub, loop sub)@20,000",
            "sluice/throttle (socket clients)@20,000"), runs.stream().map(r -> r.get("name")).toList(), text);
        for (final Map<String, Object> run : runs)
        {
            assertTrue(number(run, "delivered") > 0, "nothing delivered in " + run.get("name"));
            assertEquals(number(run, "expected"), number(run, "delivered"), "lossless " + run.get("name"));
        }
    }

    @Test
    void lowLatencyOverloadAccountsForEveryMessageUnderADropPolicy(@TempDir final Path dir) throws Exception
    {
        // Consumers with acknowledged delivery and a small window; the relay's lane drops what they cannot take.
        final Path json = dir.resolve("low-latency.json");
        final String text = bench("--scenario", "overload", "--low-latency", "--strategies", "drop-oldest", "--rate",
            "20000", "--duration", "0.5", "--warmup", "0.1", "--peers", "none", "--json", json.toString());
        final Map<String, Object> run = list(list(new Yaml().<Map<String, Object>>load(Files.readString(json))
            .get("scenarios")).get(0).get("runs")).get(0);
        assertTrue(number(run, "delivered") > 0, "nothing delivered: " + text);
        assertTrue(number(run, "dropped") > 0, "a tenth of the rate drops nothing: " + text);
        assertEquals(number(run, "sent"), number(run, "delivered") + number(run, "dropped") + number(run, "left"),
            "sent = delivered + dropped + left: " + text);
    }

    // Runs `sluice bench` with these arguments, expects exit 0, and returns what it printed.
    private static String bench(final String... args)
    {
        final StringWriter text = new StringWriter();
        final CommandLine cli = new CommandLine(new SluiceMain());
        cli.setOut(new PrintWriter(text, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        final String[] command = new String[args.length + 1];
        command[0] = "bench";
        System.arraycopy(args, 0, command, 1, args.length);
        final int exit = cli.execute(command);
        assertEquals(0, exit, text.toString());
        return text.toString();
    }
}
