package io.sluice.bench;

import io.sluice.bench.load.Format;
import io.sluice.bench.load.LoadSpec;
import io.sluice.bench.load.StrategyRelays;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The scenarios that drive the relay's strategies: overload (10x the consumer, per strategy), burst (idle, a 20x
 * spike, idle; per strategy), many-connections and custom (the options' shape).
 */
final class StrategyScenarios
{
    private final BenchOptions options;
    private final BenchRuns runs;

    StrategyScenarios(final BenchOptions options, final BenchRuns runs)
    {
        this.options = options;
        this.runs = runs;
    }

    void overload(final ScenarioResults scenario) throws Exception
    {
        final double producerRate = options.rate();
        final double cap = options.consumerRate() != null ? options.consumerRate() :
            Double.isInfinite(producerRate) ? 20_000 : producerRate / 10;
        for (final String s : options.strategies() != null ? options.strategies() : StrategyRelays.ALL)
        {
            LoadSpec load = options.steady(producerRate, cap);
            if (StrategyRelays.keyed(s))
            {
                load = load.withKeys(64);
            }
            runs.sluice(scenario, "overload/" + s, s, load, "256MiB");
        }
    }

    void burst(final ScenarioResults scenario) throws Exception
    {
        final double peak = Double.isInfinite(options.rate()) ? 200_000 : options.rate();
        final double base = peak / 20;
        final double cap = options.consumerRate() != null ? options.consumerRate() : base * 2;
        final List<LoadSpec.Phase> phases = List.of(LoadSpec.Phase.of(options.duration() * 0.4, base),
            LoadSpec.Phase.of(options.duration() * 0.2, peak), LoadSpec.Phase.of(options.duration() * 0.4, base));
        scenario.note(String.format(Locale.ROOT,
            "%s msg/s, then %s msg/s for %.1f s, then %s msg/s; consumer at %s msg/s",
            Format.rate(base), Format.rate(peak), options.duration() * 0.2, Format.rate(base), Format.rate(cap)));
        for (final String s : options.strategies() != null ? options.strategies() : StrategyRelays.ALL)
        {
            LoadSpec load = new LoadSpec(1, 1, 1, 1, options.size(), phases, BenchOptions.nanos(options.warmup()),
                cap, 0, TimeUnit.SECONDS.toNanos(3));
            if (StrategyRelays.keyed(s))
            {
                load = load.withKeys(64);
            }
            runs.sluice(scenario, "burst/" + s, s, load, "256MiB");
        }
    }

    void manyConnections(final ScenarioResults scenario) throws Exception
    {
        final double total = options.rateIsMax() ? LoadSpec.MAX_RATE :
            Math.min(options.rate(), options.connections() * 100.0);
        final LoadSpec load = new LoadSpec(options.connections(), 4, 1, 1, options.size(),
            List.of(LoadSpec.Phase.of(options.duration(), total)),
            BenchOptions.nanos(options.warmup()), 0, 0, TimeUnit.SECONDS.toNanos(3));
        scenario.note(String.format(Locale.ROOT,
            "%d producer connections driven by 4 threads, %s msg/s in all, one consumer",
            options.connections(), Double.isInfinite(total) ? "max" : Format.rate(total)));
        runs.sluice(scenario, "sluice/" + options.strategy() + " x" + options.connections(), options.strategy(),
            load, "256MiB");
    }

    void custom(final ScenarioResults scenario) throws Exception
    {
        LoadSpec load = new LoadSpec(options.producers(), Math.min(options.producers(), 4), options.consumers(),
            options.streams(), options.size(),
            List.of(new LoadSpec.Phase(BenchOptions.nanos(options.duration()), options.rate())),
            BenchOptions.nanos(options.warmup()),
            options.consumerRate() != null ? options.consumerRate() : 0, 0, TimeUnit.SECONDS.toNanos(3));
        if (StrategyRelays.keyed(options.strategy()))
        {
            load = load.withKeys(64);
        }
        runs.sluice(scenario, "sluice/" + options.strategy(), options.strategy(), load, "256MiB");
    }
}
