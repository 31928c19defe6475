package io.sluice.bench;

import io.sluice.bench.load.Format;
import io.sluice.bench.load.LoadSpec;
import io.sluice.bench.load.RunResult;
import io.sluice.bench.peer.Peers;
import io.sluice.client.SubscribeOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The scenarios that compare Sluice with the peers on the same load, and feed the bench's goals: max-throughput
 * (also spill against JetStream storing to file, and with {@code --ack} acknowledged delivery against unacknowledged
 * and a durable acknowledged subscription against a durable JetStream consumer) and latency-at-rate (a ladder of
 * rates, with half of NATS core's maximum added once max-throughput measured it).
 */
final class PeerScenarios
{
    /** The subscription name of the durable acknowledged run. */
    static final String DURABLE_SUBSCRIPTION = "bench-durable";

    private final BenchOptions options;
    private final BenchRuns runs;
    private final BenchGoals goals;
    private double natsCoreMax;

    PeerScenarios(final BenchOptions options, final BenchRuns runs, final BenchGoals goals)
    {
        this.options = options;
        this.runs = runs;
        this.goals = goals;
    }

    void maxThroughput(final ScenarioResults scenario) throws Exception
    {
        final LoadSpec load = options.steady(LoadSpec.MAX_RATE, 0);
        final RunResult sluice = runs.sluice(scenario, "sluice/" + options.strategy(), options.strategy(), load,
            "256MiB");
        if (options.ack())
        {
            // The same run with the subscriber acknowledging: the cost of acknowledged delivery, from one invocation.
            final RunResult acked = runs.sluice(scenario, "sluice/" + options.strategy() + " (acked)",
                options.strategy(), load, "256MiB", "", SubscribeOptions.acknowledged());
            goals.ran(BenchGoals.Run.CLIENT_ACKED_MAX, acked);
            if (acked != null && sluice != null && sluice.deliveredPerSecond() > 0)
            {
                scenario.ratio(acked, sluice, "delivered/s (acknowledged over unacknowledged)",
                    acked.deliveredPerSecond() / sluice.deliveredPerSecond());
            }
        }
        goals.missing(BenchGoals.Run.CLIENT_ACKED_MAX, "the acknowledged run was skipped");
        // The client library again, each end's own thread doing its socket's I/O.
        final RunResult direct = runs.direct(scenario, "", load);
        // And each end's own thread running its client's event loop.
        final RunResult invoked = runs.invoked(scenario, "", load);
        mixed(scenario, "", load);
        // The relay alone: the same plain-socket producer and consumer as the direct and haproxy runs.
        final RunResult relayOnly = runs.socketClients(scenario, "", load);
        goals.ran(BenchGoals.Run.CLIENT_MAX, sluice);
        goals.ran(BenchGoals.Run.DIRECT_MAX, direct);
        goals.ran(BenchGoals.Run.INVOKED_MAX, invoked);
        goals.ran(BenchGoals.Run.SOCKET_MAX, relayOnly);
        goals.cpu(BenchGoals.Run.SOCKET_MAX, scenario.cpuNanos(relayOnly));
        goals.missing(BenchGoals.Run.DIRECT_MAX, "the direct run was skipped");
        goals.missing(BenchGoals.Run.INVOKED_MAX, "the invoker run was skipped");
        goals.missing(BenchGoals.Run.CLIENT_MAX, "the client library's run was skipped");
        goals.missing(BenchGoals.Run.SOCKET_MAX, "the socket clients' run was skipped");
        goals.missing(BenchGoals.Run.HAPROXY_MAX, "haproxy not in --peers");
        for (final String peer : options.peers())
        {
            if ("jetstream".equals(peer))
            {
                continue;
            }
            final RunResult result = runs.peer(scenario, peer, load);
            if ("haproxy".equals(peer))
            {
                goals.ran(BenchGoals.Run.HAPROXY_MAX, result);
                goals.cpu(BenchGoals.Run.HAPROXY_MAX, scenario.cpuNanos(result));
                goals.missing(BenchGoals.Run.HAPROXY_MAX, runs.peerMissing());
            }
            if (result != null && "nats-core".equals(peer))
            {
                natsCoreMax = result.deliveredPerSecond();
            }
            for (final RunResult own : new RunResult[] {sluice, direct, invoked, relayOnly})
            {
                if (own != null && result != null)
                {
                    scenario.ratio(own, result, "delivered/s", own.deliveredPerSecond() / result.deliveredPerSecond());
                }
            }
        }
        if (options.peers().contains("jetstream"))
        {
            // The disk-backed comparison: spill taking messages onto disk while its subscriber is nearly stopped,
            // against JetStream storing them to file.
            final RunResult spill = runs.sluice(scenario, "sluice/spill (absorbing)", "spill",
                options.steady(LoadSpec.MAX_RATE, 1000).withDrain(0), "8GiB");
            final RunResult jetstream = runs.peer(scenario, "jetstream", options.steady(LoadSpec.MAX_RATE, 0));
            if (spill != null && jetstream != null)
            {
                scenario.ratio(spill, jetstream, "stored/s (spill sent/s over JetStream acked/s)",
                    spill.sentPerSecond() / jetstream.deliveredPerSecond());
            }
            if (options.ack())
            {
                durableAcknowledged(scenario);
            }
        }
        // The durable acknowledged runs come as a pair, with JetStream.
        goals.missing(BenchGoals.Run.SPILL_ACKED_MAX, options.peers().contains("jetstream") ?
            "the durable acknowledged run was skipped" : "jetstream not in --peers");
        goals.missing(BenchGoals.Run.JETSTREAM_ACKED_MAX, "jetstream not in --peers");
    }

    // Both ends durable and acknowledging, the consumer at full speed: a spill stream's durable subscription with
    // acknowledged delivery, against a durable JetStream consumer that acknowledges what it took from file storage.
    private void durableAcknowledged(final ScenarioResults scenario) throws Exception
    {
        final LoadSpec load = options.steady(LoadSpec.MAX_RATE, 0);
        final RunResult spill = runs.sluice(scenario, "sluice/spill (durable, acked)", "spill", load, "8GiB",
            DURABLE_SUBSCRIPTION, SubscribeOptions.acknowledged());
        final RunResult jetstream = runs.peer(scenario, "jetstream (durable, acked)", Peers.JETSTREAM_ACKED, load);
        goals.ran(BenchGoals.Run.SPILL_ACKED_MAX, spill);
        goals.ran(BenchGoals.Run.JETSTREAM_ACKED_MAX, jetstream);
        goals.missing(BenchGoals.Run.JETSTREAM_ACKED_MAX, runs.peerMissing());
        if (spill != null && jetstream != null && jetstream.deliveredPerSecond() > 0)
        {
            scenario.ratio(spill, jetstream, "delivered/s (durable, acknowledged)",
                spill.deliveredPerSecond() / jetstream.deliveredPerSecond());
        }
    }

    // With --mixed-client: one end on the event loop, the other with direct I/O, both ways.
    private void mixed(final ScenarioResults scenario, final String suffix, final LoadSpec load) throws Exception
    {
        if (options.mixedClient())
        {
            runs.mixed(scenario, suffix, load, true);
            runs.mixed(scenario, suffix, load, false);
        }
    }

    void latencyAtRate(final ScenarioResults scenario) throws Exception
    {
        final List<Double> ladder = new ArrayList<>(options.rates());
        if (natsCoreMax > 0)
        {
            ladder.add(Math.floor(natsCoreMax / 2));
            scenario.note(String.format(Locale.ROOT,
                "half of NATS core's maximum (%s msg/s, measured in max-throughput) added to the ladder",
                Format.rate(natsCoreMax)));
        }
        final boolean goalRate = ladder.contains(BenchGoals.LATENCY_RATE);
        for (final BenchGoals.Run run : new BenchGoals.Run[] {BenchGoals.Run.CLIENT_AT_RATE,
            BenchGoals.Run.DIRECT_AT_RATE, BenchGoals.Run.INVOKED_AT_RATE, BenchGoals.Run.SOCKET_AT_RATE,
            BenchGoals.Run.HAPROXY_AT_RATE})
        {
            goals.missing(run, !goalRate ? Format.rate(BenchGoals.LATENCY_RATE) + " msg/s not in --rates" :
                run == BenchGoals.Run.HAPROXY_AT_RATE ? "haproxy not in --peers" : "the run was skipped");
        }
        for (final double r : ladder)
        {
            final LoadSpec load = options.steady(r, 0);
            final String at = "@" + Format.rate(r);
            final RunResult sluice = runs.sluice(scenario, "sluice/" + options.strategy() + at, options.strategy(),
                load, "256MiB");
            final RunResult direct = runs.direct(scenario, at, load);
            final RunResult invoked = runs.invoked(scenario, at, load);
            mixed(scenario, at, load);
            // The relay alone at this rate, for goal 3 with socket clients.
            final RunResult relayOnly = runs.socketClients(scenario, at, load);
            final boolean isGoalRate = r == BenchGoals.LATENCY_RATE;
            if (isGoalRate)
            {
                goals.ran(BenchGoals.Run.CLIENT_AT_RATE, sluice);
                goals.ran(BenchGoals.Run.DIRECT_AT_RATE, direct);
                goals.ran(BenchGoals.Run.INVOKED_AT_RATE, invoked);
                goals.ran(BenchGoals.Run.SOCKET_AT_RATE, relayOnly);
            }
            for (final String peer : options.peers())
            {
                if ("jetstream".equals(peer))
                {
                    continue;
                }
                final RunResult result = runs.peer(scenario, peer + at, peer, load);
                if (isGoalRate && "haproxy".equals(peer))
                {
                    goals.ran(BenchGoals.Run.HAPROXY_AT_RATE, result);
                    goals.missing(BenchGoals.Run.HAPROXY_AT_RATE, runs.peerMissing());
                }
                for (final RunResult own : new RunResult[] {sluice, direct, invoked, relayOnly})
                {
                    if (own != null && result != null)
                    {
                        scenario.ratio(own, result, "p99", (double)own.latency(99) / Math.max(1, result.latency(99)));
                    }
                }
            }
        }
    }
}
