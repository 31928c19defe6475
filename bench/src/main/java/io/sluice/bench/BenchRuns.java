package io.sluice.bench;

import io.sluice.bench.load.DirectSluiceLink;
import io.sluice.bench.load.Folders;
import io.sluice.bench.load.InvokedSluiceLink;
import io.sluice.bench.load.Link;
import io.sluice.bench.load.LoadRun;
import io.sluice.bench.load.LoadSpec;
import io.sluice.bench.load.MixedLink;
import io.sluice.bench.load.PagePoller;
import io.sluice.bench.load.ProcessCpu;
import io.sluice.bench.load.RelayCpu;
import io.sluice.bench.load.RelayProbe;
import io.sluice.bench.load.RunResult;
import io.sluice.bench.load.SluiceLink;
import io.sluice.bench.load.StrategyRelays;
import io.sluice.bench.peer.Peers;
import io.sluice.bench.peer.SluiceSocketLink;
import io.sluice.client.SubscribeOptions;
import io.sluice.server.Relay;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.metrics.PrometheusEndpoint;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * One run of a scenario, added to its results: Sluice's in-process relay configured for a strategy with a client
 * link, or a peer process the bench starts itself. A run that cannot be made (a strategy not in this build, a peer not
 * installed or failing) is recorded as skipped, with the reason, and returns null.
 */
final class BenchRuns
{
    private final BenchOptions options;
    private final PrintWriter progress;
    // Why the last peer() returned null: "<peer> not installed" or "<peer> failed".
    private String peerMissing;

    BenchRuns(final BenchOptions options, final PrintWriter progress)
    {
        this.options = options;
        this.progress = progress;
    }

    /**
     * @return why the last peer run returned null ({@code <peer> not installed} or {@code <peer> failed}), or null.
     */
    String peerMissing()
    {
        return peerMissing;
    }

    // Sluice's relay with the plain-socket producer and consumer of the direct and haproxy peers.
    RunResult socketClients(final ScenarioResults scenario, final String suffix, final LoadSpec load) throws Exception
    {
        return sluice(scenario, "sluice/" + options.strategy() + " (socket clients)" + suffix, options.strategy(),
            load, "256MiB", relay -> new SluiceSocketLink(relay.port()));
    }

    /** The client library with direct I/O: each producer's and consumer's own thread does its socket's I/O. */
    RunResult direct(final ScenarioResults scenario, final String suffix, final LoadSpec load) throws Exception
    {
        return sluice(scenario, "sluice/" + options.strategy() + " (direct)" + suffix, options.strategy(), load,
            "256MiB", relay -> new DirectSluiceLink(relay.port(), options.size()));
    }

    /** The client library in the invoker mode: each producer's and consumer's own thread runs its client's I/O. */
    RunResult invoked(final ScenarioResults scenario, final String suffix, final LoadSpec load) throws Exception
    {
        return sluice(scenario, "sluice/" + options.strategy() + " (invoker)" + suffix, options.strategy(), load,
            "256MiB", relay -> new InvokedSluiceLink(relay.port(), options.size()));
    }

    /**
     * The client library with one end on its event loop and the other with direct I/O: an exclusive publication to a
     * {@code DirectSubscription} when {@code eventLoopPublisher}, else a {@code DirectPublication} to a callback
     * subscription.
     */
    RunResult mixed(final ScenarioResults scenario, final String suffix, final LoadSpec load,
        final boolean eventLoopPublisher) throws Exception
    {
        final String name = "sluice/" + options.strategy() + (eventLoopPublisher ? " (loop pub, direct sub)" :
            " (direct pub, loop sub)") + suffix;
        return sluice(scenario, name, options.strategy(), load, "256MiB", relay ->
        {
            final Link loops = new SluiceLink(relay.port(), options.size(), 1, options.lowLatency(),
                options.classicClient());
            final Link direct = new DirectSluiceLink(relay.port(), options.size());
            return eventLoopPublisher ? new MixedLink(loops, direct) : new MixedLink(direct, loops);
        });
    }

    RunResult sluice(final ScenarioResults scenario, final String name, final String strategyName, final LoadSpec load,
        final String spillQuota) throws Exception
    {
        return sluice(scenario, name, strategyName, load, spillQuota, "", SubscribeOptions.DEFAULT);
    }

    /**
     * As {@link #sluice(ScenarioResults, String, String, LoadSpec, String)}, the consumers subscribing under a name
     * (durable) and with options (acknowledged delivery).
     */
    RunResult sluice(final ScenarioResults scenario, final String name, final String strategyName, final LoadSpec load,
        final String spillQuota, final String subscriptionName, final SubscribeOptions subscribeOptions)
        throws Exception
    {
        return sluice(scenario, name, strategyName, load, spillQuota, relay -> new SluiceLink(relay.port(),
            options.size(), load.producers() > 100 ? 2 : 1,
            options.lowLatency(), options.classicClient(), null,
            subscriptionName, subscribeOptions));
    }

    RunResult sluice(final ScenarioResults scenario, final String name, final String strategyName, final LoadSpec load,
        final String spillQuota, final Function<Relay, Link> linkTo) throws Exception
    {
        return sluice(scenario, name, strategyName, load, spillQuota, linkTo, 0, null);
    }

    /**
     * @param watchingPages 0, or live pages (and a scraper) watching the relay's metrics endpoint during the run.
     * @param secure changes the relay's settings (TLS), or null.
     */
    RunResult sluice(final ScenarioResults scenario, final String name, final String strategyName, final LoadSpec load,
        final String spillQuota, final Function<Relay, Link> linkTo, final int watchingPages,
        final UnaryOperator<RelayConfig> secure) throws Exception
    {
        final Path spillDir = Files.createTempDirectory("sluice-bench-spill-");
        try
        {
            final StrategyRelays.Configured configured;
            try
            {
                configured = StrategyRelays.config(strategyName, spillDir, options.relayThreads(), spillQuota,
                    options.lowLatency());
            }
            catch (final IllegalArgumentException ex)
            {
                scenario.skip(name, strategyName + ": not available in this build (" + ex.getMessage() + ")");
                return null;
            }
            final RelayConfig relayConfig =
                configured.config().toBuilder().streamLoopAffinity(options.streamLoopAffinity()).build();
            try (Relay relay = Relay.start(secure == null ? relayConfig : secure.apply(relayConfig));
                 PrometheusEndpoint endpoint = watchingPages > 0 ? PrometheusEndpoint.start(relay, 0) : null;
                 PagePoller watchers = endpoint != null ? new PagePoller(endpoint.port(), watchingPages) : null;
                 Link link = linkTo.apply(relay))
            {
                final RelayCpu cpu = RelayCpu.start();
                final RunResult result = LoadRun.run(name, strategyName, link, RelayProbe.of(relay), load, progress);
                if (watchers != null && (watchers.answered() == 0 || watchers.failed() > 0))
                {
                    scenario.note(name + ": the watchers had " + watchers.answered() + " answers and "
                        + watchers.failed() + " failures");
                }
                scenario.add(result);
                if (RelayCpu.supported())
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

    RunResult peer(final ScenarioResults scenario, final String peer, final LoadSpec load) throws Exception
    {
        return peer(scenario, peer, peer, load);
    }

    RunResult peer(final ScenarioResults scenario, final String name, final String peer, final LoadSpec load)
        throws Exception
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
            final ProcessCpu cpu = running.server() == null ? null : ProcessCpu.start(running.server());
            final RunResult result = LoadRun.run(name, "", running.link(), null, load, progress);
            scenario.add(result);
            final long nanos = cpu == null ? -1 : cpu.nanos();
            if (nanos >= 0)
            {
                scenario.cpu(result, nanos);
            }
            return result;
        }
        catch (final Exception ex)
        {
            scenario.skip(name, peer + ": failed, " + ex);
            peerMissing = peer + " failed";
            return null;
        }
    }
}
