package io.sluice.bench;

import io.sluice.bench.load.LoadSpec;
import io.sluice.bench.load.RunResult;
import io.sluice.bench.load.Stalls;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Goal 3 says when a run it compares saw the machine stall, and keeps its ratio and verdict. */
final class BenchGoalsTest
{
    @Test
    void goalThreeNotesAStallOfEitherRunAndKeepsTheRatio()
    {
        final BenchGoals goals = new BenchGoals(64, false);
        goals.ran(BenchGoals.Run.CLIENT_AT_RATE, run("sluice/throttle@200,000", 500, Stalls.NONE));
        goals.ran(BenchGoals.Run.DIRECT_AT_RATE, run("sluice/throttle (direct)@200,000", 500, new Stalls(1, 30_000)));
        goals.ran(BenchGoals.Run.SOCKET_AT_RATE, run("sluice/throttle (socket clients)@200,000", 2_000, Stalls.NONE));
        goals.ran(BenchGoals.Run.HAPROXY_AT_RATE, run("haproxy@200,000", 1_000, new Stalls(2, 104_000)));

        final List<Map<String, Object>> json = goals.toJson();
        final Map<String, Object> client = json.get(5);
        assertEquals(0.5, client.get("ratio"));
        assertEquals(true, client.get("met"));
        assertEquals("haproxy@200,000 stalled 104 ms: ratio not a fair read", client.get("note"));
        assertEquals("sluice/throttle (direct)@200,000 stalled 30 ms, haproxy@200,000 stalled 104 ms: ratio not a "
            + "fair read", json.get(6).get("note"));
        assertEquals(2.0, json.get(8).get("ratio"));
        assertEquals(false, json.get(8).get("met"));
        assertNull(json.get(0).get("note"), "a goal not measured has no note");

        final StringWriter text = new StringWriter();
        goals.print(new PrintWriter(text));
        final String line = text.toString().lines().filter(l -> l.contains("client library, 64 B")).findFirst()
            .orElseThrow();
        assertTrue(line.endsWith("0.50x (target <= 1.00: met) (haproxy@200,000 stalled 104 ms: ratio not a fair "
            + "read)"), line);
    }

    @Test
    void withoutAStallGoalThreeHasNoNote()
    {
        final BenchGoals goals = new BenchGoals(64, false);
        goals.ran(BenchGoals.Run.SOCKET_AT_RATE, run("sluice/throttle (socket clients)@200,000", 500,
            new Stalls(0, 9_000)));
        goals.ran(BenchGoals.Run.HAPROXY_AT_RATE, run("haproxy@200,000", 1_000, Stalls.NONE));

        assertNull(goals.toJson().get(8).get("note"));
        final StringWriter text = new StringWriter();
        goals.print(new PrintWriter(text));
        assertTrue(text.toString().contains("0.50x (target <= 1.00: met)" + System.lineSeparator()), text.toString());
    }

    @Test
    void aRatioIsRoundedSoThatItsFigureMeetsTheTargetExactlyWhenTheRatioDoes()
    {
        final BenchGoals goals = new BenchGoals(64, false);
        goals.ran(BenchGoals.Run.SOCKET_MAX, max("sluice/throttle (socket clients)", 7_881_147));
        goals.ran(BenchGoals.Run.HAPROXY_MAX, max("haproxy", 7_884_445));
        goals.ran(BenchGoals.Run.SOCKET_AT_RATE, run("sluice/throttle (socket clients)@200,000", 1_004,
            Stalls.NONE));
        goals.ran(BenchGoals.Run.HAPROXY_AT_RATE, run("haproxy@200,000", 1_000, Stalls.NONE));

        final List<Map<String, Object>> json = goals.toJson();
        assertEquals(0.999, json.get(3).get("ratio"), "0.99958 rounded down: a miss of a target of 1.00");
        assertEquals(false, json.get(3).get("met"));
        assertEquals(1.004, json.get(8).get("ratio"));
        final StringWriter text = new StringWriter();
        goals.print(new PrintWriter(text));
        assertTrue(text.toString().contains("0.99x (target >= 1.00: not met)"), text.toString());
        assertTrue(text.toString().contains("1.01x (target <= 1.00: not met)"), text.toString());
    }

    // A run at the maximum rate that delivered deliveredPerSecond.
    private static RunResult max(final String name, final long deliveredPerSecond)
    {
        return new RunResult(name, name.startsWith("haproxy") ? "haproxy" : "sluice", "", LoadSpec.steady(64,
            BenchGoals.LATENCY_RATE, 1, 0), deliveredPerSecond, deliveredPerSecond, deliveredPerSecond,
            deliveredPerSecond, 0, Map.of(), 0, 0, 0, 0, 0, 1, deliveredPerSecond, deliveredPerSecond,
            new Histogram(3), Stalls.NONE, List.of());
    }

    @Test
    void besideGoalTwoTheRelaysCpuPerMessageIsComparedWithHaproxys()
    {
        final BenchGoals goals = new BenchGoals(64, false);
        goals.ran(BenchGoals.Run.SOCKET_MAX, max("sluice/throttle (socket clients)", 8_000_000));
        goals.ran(BenchGoals.Run.HAPROXY_MAX, max("haproxy", 7_000_000));
        assertEquals("CPU time not measured", goals.toJson().get(4).get("why"));

        // 0.5 s for 8 M messages against 0.7 s for 7 M: 62.5 against 100 ns a message.
        goals.cpu(BenchGoals.Run.SOCKET_MAX, 500_000_000L);
        goals.cpu(BenchGoals.Run.HAPROXY_MAX, 700_000_000L);
        final Map<String, Object> cpu = goals.toJson().get(4);
        assertEquals(2, cpu.get("goal"));
        assertEquals("relay CPU per message, socket clients / haproxy, at max, 64 B", cpu.get("measure"));
        assertEquals(0.625, cpu.get("ratio"));
        assertEquals("<=", cpu.get("comparison"));
        assertEquals(true, cpu.get("met"));
        final StringWriter text = new StringWriter();
        goals.print(new PrintWriter(text));
        assertTrue(text.toString().contains("0.63x (target <= 1.00: met)"), text.toString());
    }

    // A run at the goal rate whose every message took p99Micros.
    private static RunResult run(final String name, final long p99Micros, final Stalls stalls)
    {
        final Histogram latency = new Histogram(3);
        latency.recordValueWithCount(p99Micros, 1_000);
        return new RunResult(name, name.startsWith("haproxy") ? "haproxy" : "sluice", "", LoadSpec.steady(64,
            BenchGoals.LATENCY_RATE, 1, 0), 1_000, 1_000, 1_000, 1_000, 0, Map.of(), 0, 0, 0, 0, 0, 1, 1_000, 1_000,
            latency, stalls, List.of());
    }
}
