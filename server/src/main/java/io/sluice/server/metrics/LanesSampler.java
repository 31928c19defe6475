package io.sluice.server.metrics;

import io.sluice.core.util.EpochClock;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.RelayMetrics;

import java.time.Duration;

/**
 * Takes samples of the lanes view, at most one per interval however often it is asked: each asks the lanes' and
 * publishers' event loops to measure what only they may read ({@link RelayMetrics#measure}), reads the relay's
 * snapshots, and derives rates against the sample before ({@link LanesSample#of}). Whoever asks within an interval
 * gets the same sample, so any number of open pages and scrapers cost the relay one sample per interval. Asked from
 * the metrics endpoint's threads, never from an event loop.
 */
public final class LanesSampler
{
    /** Interval of the metrics endpoint's sampler, and the page's polling period. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    /** Longest wait for the event loops' measurements; a loop busier than this keeps its last one. */
    private static final Duration MEASURE_TIMEOUT = Duration.ofMillis(250);

    private final RelayMetrics metrics;
    private final RelayConfig config;
    private final String address;
    private final String version;
    private final long intervalNanos;
    private Readings lastReadings;
    private LanesSample latest;

    /**
     * @param metrics the relay's metrics.
     * @param config the relay's settings.
     * @param address the relay's listening address, for the sample's header.
     * @param version the relay's version, for the sample's header.
     * @param interval shortest time between two samples.
     */
    public LanesSampler(
        final RelayMetrics metrics, final RelayConfig config, final String address, final String version,
        final Duration interval)
    {
        this.metrics = metrics;
        this.config = config;
        this.address = address;
        this.version = version;
        this.intervalNanos = interval.toNanos();
    }

    /**
     * @return the latest sample, taken now if the last is an interval old or there is none.
     * @throws InterruptedException when interrupted while the event loops measure.
     */
    public synchronized LanesSample sample() throws InterruptedException
    {
        if (latest != null && System.nanoTime() - lastReadings.nanoTime() < intervalNanos)
        {
            return latest;
        }
        metrics.measure(MEASURE_TIMEOUT);
        final Readings readings = new Readings(System.nanoTime(), EpochClock.nanos(), metrics.streams(),
            metrics.lanes(), metrics.producers());
        final long now = System.currentTimeMillis();
        latest = LanesSample.of(address, version, Math.max(0, now - metrics.startedAtMillis()) / 1000.0, now,
            lastReadings, readings, config);
        lastReadings = readings;
        return latest;
    }
}
