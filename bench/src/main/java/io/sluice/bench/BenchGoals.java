package io.sluice.bench;

import io.sluice.bench.load.Format;
import io.sluice.bench.load.RunResult;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The goals of the bench's summary: ratios between runs of one invocation, each with its target, so anyone can
 * check them on their own machine. A ratio whose runs did not take place says why instead.
 * <ol>
 * <li>Sluice's client library end to end over the same relay with plain socket clients, delivered/s at max rate:
 * at least 0.80; with its event loops (exclusive publication, callback subscription), with direct I/O
 * ({@code DirectPublication}, {@code DirectSubscription}) and in the invoker mode (the same paths as the event loops',
 * each end's own thread running its client's loop in {@code doWork}).</li>
 * <li>The relay with plain socket clients over haproxy relaying the same bytes, delivered/s at max rate: at least
 * 1.00. Beside it, the relay's CPU per message over haproxy's in the same two runs, at most 1.00: where the load's
 * own threads fill the machine's cores, delivered/s measures the clients as much as the relay, CPU per message the
 * relay alone.</li>
 * <li>p99 at 200,000 msg/s through the relay over through haproxy, with the client library (both ways) and with
 * socket clients: at most 1.00.</li>
 * </ol>
 * A ratio of goal 3 whose runs saw the machine stall ({@link io.sluice.bench.load.StallMeter}) carries a note saying
 * so: one pause of the machine makes a run's p99 tens of milliseconds, whichever relay it measured.
 * <p>
 * With {@code --ack}, two more:
 * <ol start="4">
 * <li>The client library's subscriber with acknowledged delivery over the same without, delivered/s at max rate:
 * at least 0.90 (acknowledgements cost at most a tenth).</li>
 * <li>A spill stream's durable subscription with acknowledged delivery over a durable JetStream consumer that
 * acknowledges, delivered/s at max rate: at least 20.</li>
 * </ol>
 */
final class BenchGoals
{
    /** The rate of goal 3. */
    static final double LATENCY_RATE = 200_000;

    /** The runs the goals compare. */
    enum Run
    {
        CLIENT_MAX, DIRECT_MAX, INVOKED_MAX, SOCKET_MAX, HAPROXY_MAX, CLIENT_AT_RATE, DIRECT_AT_RATE,
        INVOKED_AT_RATE, SOCKET_AT_RATE, HAPROXY_AT_RATE, CLIENT_ACKED_MAX, SPILL_ACKED_MAX, JETSTREAM_ACKED_MAX
    }

    private final int size;
    private final boolean ack;
    private final Map<Run, RunResult> runs = new EnumMap<>(Run.class);
    private final Map<Run, String> missing = new EnumMap<>(Run.class);
    private final Map<Run, Long> cpuNanos = new EnumMap<>(Run.class);

    /**
     * @param size payload bytes of every run.
     * @param ack whether the acknowledged goals (4 and 5) are reported.
     */
    BenchGoals(final int size, final boolean ack)
    {
        this.size = size;
        this.ack = ack;
        for (final Run run : Run.values())
        {
            missing.put(run, run.name().endsWith("_MAX") ? "max-throughput not run" : "latency-at-rate not run");
        }
    }

    /** @param result a run that took place, or null when it was skipped (say why with {@link #missing}). */
    void ran(final Run run, final RunResult result)
    {
        if (result != null)
        {
            runs.put(run, result);
        }
    }

    /** @param nanos the relay's CPU over a run that took place (its event loops, or haproxy's process); -1: none. */
    void cpu(final Run run, final long nanos)
    {
        if (nanos >= 0)
        {
            cpuNanos.put(run, nanos);
        }
    }

    /** Why a run did not take place, e.g. "haproxy not installed"; shown as "not measured (why)". */
    void missing(final Run run, final String why)
    {
        if (!runs.containsKey(run))
        {
            missing.put(run, why);
        }
    }

    /**
     * @return one entry per ratio, in order: goal, measure, ratio (null when not measured), target, met, why, note
     *         (null when there is nothing to add).
     */
    List<Map<String, Object>> toJson()
    {
        final String bytes = size + " B";
        final String at = "p99 at " + Format.rate(LATENCY_RATE) + " msg/s";
        final List<Map<String, Object>> goals = new ArrayList<>();
        goals.add(throughput(1, "client library / socket clients, delivered/s at max, " + bytes, Run.CLIENT_MAX,
            Run.SOCKET_MAX, 0.80));
        goals.add(throughput(1, "client library, direct I/O / socket clients, delivered/s at max, " + bytes,
            Run.DIRECT_MAX, Run.SOCKET_MAX, 0.80));
        goals.add(throughput(1, "client library, invoker mode / socket clients, delivered/s at max, " + bytes,
            Run.INVOKED_MAX, Run.SOCKET_MAX, 0.80));
        goals.add(throughput(2, "relay with socket clients / haproxy, delivered/s at max, " + bytes, Run.SOCKET_MAX,
            Run.HAPROXY_MAX, 1.00));
        goals.add(cpuPerMessage(2, "relay CPU per message, socket clients / haproxy, at max, " + bytes,
            Run.SOCKET_MAX, Run.HAPROXY_MAX));
        goals.add(latency(3, at + ", relay / haproxy, client library, " + bytes, Run.CLIENT_AT_RATE));
        goals.add(latency(3, at + ", relay / haproxy, client library, direct I/O, " + bytes, Run.DIRECT_AT_RATE));
        goals.add(latency(3, at + ", relay / haproxy, client library, invoker mode, " + bytes, Run.INVOKED_AT_RATE));
        goals.add(latency(3, at + ", relay / haproxy, socket clients, " + bytes, Run.SOCKET_AT_RATE));
        if (ack)
        {
            goals.add(throughput(4, "client library acked / unacked, delivered/s at max, " + bytes,
                Run.CLIENT_ACKED_MAX, Run.CLIENT_MAX, 0.90));
            goals.add(throughput(5, "durable acked: spill / JetStream consumer, delivered/s, " + bytes,
                Run.SPILL_ACKED_MAX, Run.JETSTREAM_ACKED_MAX, 20.00));
        }
        return goals;
    }

    /** Prints the goals block: each ratio with its target, or why it was not measured. */
    void print(final PrintWriter out)
    {
        out.println();
        out.println("== goals (ratios between runs of this invocation)");
        int last = 0;
        for (final Map<String, Object> goal : toJson())
        {
            final int number = (Integer)goal.get("goal");
            final String target = goal.get("comparison") + " " + String.format(Locale.ROOT, "%.2f", goal.get("target"));
            final Object ratio = goal.get("ratio");
            final String value = ratio == null ? "not measured (" + goal.get("why") + ")" :
                String.format(Locale.ROOT, "%sx (target %s: %s)",
                    towardsTheTarget((Double)ratio, (String)goal.get("comparison"), 2), target,
                    Boolean.TRUE.equals(goal.get("met")) ? "met" : "not met") +
                    (goal.get("note") == null ? "" : " (" + goal.get("note") + ")");
            out.printf(Locale.ROOT, "   %s %-62s %s%n", number == last ? "  " : number + ".", goal.get("measure"),
                value);
            last = number;
        }
        out.flush();
    }

    private Map<String, Object> throughput(final int goal, final String measure, final Run sluice, final Run peer,
        final double target)
    {
        final RunResult a = runs.get(sluice);
        final RunResult b = runs.get(peer);
        final Double ratio = a == null || b == null || b.deliveredPerSecond() <= 0 ? null :
            a.deliveredPerSecond() / b.deliveredPerSecond();
        return entry(goal, measure, ratio, ">=", target, ratio != null && ratio >= target, why(sluice, peer), null);
    }

    private Map<String, Object> cpuPerMessage(final int goal, final String measure, final Run sluice, final Run peer)
    {
        final boolean ran = runs.containsKey(sluice) && runs.containsKey(peer);
        final boolean measured = ran && cpuNanos.containsKey(sluice) && cpuNanos.containsKey(peer) &&
            runs.get(sluice).delivered() > 0 && runs.get(peer).delivered() > 0 && cpuNanos.get(peer) > 0;
        final Double ratio = measured ? (cpuNanos.get(sluice) / (double)runs.get(sluice).delivered()) /
            (cpuNanos.get(peer) / (double)runs.get(peer).delivered()) : null;
        return entry(goal, measure, ratio, "<=", 1.00, ratio != null && ratio <= 1.00,
            ran ? "CPU time not measured" : why(sluice, peer), null);
    }

    private Map<String, Object> latency(final int goal, final String measure, final Run sluice)
    {
        final RunResult a = runs.get(sluice);
        final RunResult b = runs.get(Run.HAPROXY_AT_RATE);
        final boolean measured = a != null && b != null && a.latencyMicros().getTotalCount() > 0 &&
            b.latencyMicros().getTotalCount() > 0;
        final Double ratio = measured ? (double)a.latency(99) / Math.max(1, b.latency(99)) : null;
        return entry(goal, measure, ratio, "<=", 1.00, ratio != null && ratio <= 1.00,
            measured || a == null || b == null ? why(sluice, Run.HAPROXY_AT_RATE) : "no latency recorded",
            measured ? stalled(a, b) : null);
    }

    // e.g. "haproxy@200,000 stalled 104 ms: ratio not a fair read", or null when neither run saw a stall.
    private static String stalled(final RunResult... compared)
    {
        final StringBuilder note = new StringBuilder();
        for (final RunResult run : compared)
        {
            if (run.stalls().any())
            {
                note.append(note.length() == 0 ? "" : ", ").append(run.name()).append(" stalled ")
                    .append(run.stalls().longestMillis()).append(" ms");
            }
        }
        return note.length() == 0 ? null : note.append(": ratio not a fair read").toString();
    }

    // Rounded so that the figure shown meets the target exactly when the ratio does: down for ">=", up for "<=". A
    // ratio of 0.9996 against ">= 1.00" shows as 0.99, not as a 1.00 that is "not met".
    private static BigDecimal towardsTheTarget(final double ratio, final String comparison, final int decimals)
    {
        return BigDecimal.valueOf(ratio).setScale(decimals, ">=".equals(comparison) ? RoundingMode.FLOOR :
            RoundingMode.CEILING);
    }

    private String why(final Run first, final Run second)
    {
        return !runs.containsKey(first) ? missing.get(first) : !runs.containsKey(second) ? missing.get(second) : null;
    }

    private static Map<String, Object> entry(final int goal, final String measure, final Double ratio,
        final String comparison, final double target, final boolean met, final String why, final String note)
    {
        final Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("goal", goal);
        entry.put("measure", measure);
        entry.put("ratio", ratio == null ? null : towardsTheTarget(ratio, comparison, 3).doubleValue());
        entry.put("comparison", comparison);
        entry.put("target", target);
        entry.put("met", ratio == null ? null : met);
        entry.put("why", ratio == null ? why : null);
        entry.put("note", note);
        return entry;
    }
}
