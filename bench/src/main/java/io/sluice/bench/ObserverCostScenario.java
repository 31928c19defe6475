package io.sluice.bench;

import io.sluice.bench.load.Link;
import io.sluice.bench.load.LoadSpec;
import io.sluice.bench.load.RunResult;
import io.sluice.bench.load.SluiceLink;
import io.sluice.server.Relay;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The observer-cost scenario: what watching the relay costs it, as max-throughput in pairs without and with the
 * metrics endpoint watched by live pages and a Prometheus scraper.
 */
final class ObserverCostScenario
{
    private final BenchOptions options;
    private final BenchRuns runs;

    ObserverCostScenario(final BenchOptions options, final BenchRuns runs)
    {
        this.options = options;
        this.runs = runs;
    }

    // What watching the relay costs it: max-throughput in pairs, without and with the metrics endpoint, live pages
    // polling /lanes every second and a Prometheus scraper, alternating so that drift in the machine hits both alike.
    void observerCost(final ScenarioResults scenario) throws Exception
    {
        final LoadSpec load = options.steady(LoadSpec.MAX_RATE, 0);
        final List<Double> ratios = new ArrayList<>();
        for (int round = 1; round <= options.rounds(); round++)
        {
            final Function<Relay, Link> link = relay -> new SluiceLink(relay.port(), options.size(), 1, false);
            final RunResult unwatched = runs.sluice(scenario, "sluice/" + options.strategy() + " unwatched #" + round,
                options.strategy(), load, "256MiB", link, 0, null);
            final RunResult watched = runs.sluice(scenario, "sluice/" + options.strategy() + " watched #" + round,
                options.strategy(), load, "256MiB", link, options.pages(), null);
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
                + "scraped every 5 s; median delivered/s watched over unwatched %.3f (cost %.1f%%)", options.pages(),
                median, (1 - median) * 100));
        }
    }
}
