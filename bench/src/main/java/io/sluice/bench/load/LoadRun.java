package io.sluice.bench.load;

import io.sluice.core.util.EpochClock;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Drives one run over a {@link Link}: open-loop producers on a schedule, consumers that may be slow on purpose, a
 * sampler that prints one line a second, then a drain that gives the consumers the backlog at full speed.
 * <p>
 * <b>Coordinated omission.</b> A paced producer stamps message {@code i} of a phase with its intended send time
 * ({@code phaseStart + i / rate}) and keeps that stamp however long the link pushes back, so time spent waiting to
 * send counts as latency at the consumer instead of silently stretching the schedule. At the maximum rate there is no
 * schedule: the stamp is the time of the first attempt.
 * <p>
 * Latency is recorded in microseconds into an HdrHistogram (no allocation per message) for messages whose stamp falls
 * in the measured window: after the warmup, before the producers stop.
 * <p>
 * This class wires a run together and tears it down: {@link LoadProducer} and {@link LoadConsumer} are the load
 * threads, {@link RunControl} what they share, {@link LatencyRecording} the histogram, {@link StallMeter} what the
 * machine's stalls were, and {@link RunSampler} the caller's thread watching the run and putting its result together.
 */
public final class LoadRun
{
    // Producers start together, a little after the threads are started.
    private static final long START_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final String name;
    private final String strategy;
    private final Link link;
    private final RelayProbe probe;
    private final LoadSpec spec;
    private final PrintWriter progress;
    private final RunControl control = new RunControl();
    private final LatencyRecording latency = new LatencyRecording(control);

    private LoadRun(
        final String name,
        final String strategy,
        final Link link,
        final RelayProbe probe,
        final LoadSpec spec,
        final PrintWriter progress)
    {
        this.name = name;
        this.strategy = strategy;
        this.link = link;
        this.probe = probe;
        this.spec = spec;
        this.progress = progress;
    }

    /**
     * Runs {@code spec} over {@code link}.
     *
     * @param name the run's name, for progress lines and results.
     * @param strategy the relay strategy, or empty for a peer.
     * @param link what carries the messages; the caller closes it.
     * @param probe the relay's metrics, or null when there is no relay (a peer).
     * @param spec what to send.
     * @param progress where the line a second goes, or null for none.
     * @return what was measured.
     * @throws Exception when the link failed.
     */
    public static RunResult run(final String name, final String strategy, final Link link, final RelayProbe probe,
        final LoadSpec spec, final PrintWriter progress) throws Exception
    {
        return new LoadRun(name, strategy, link, probe, spec, progress).run();
    }

    private RunResult run() throws Exception
    {
        final List<LoadConsumer> consumers = new ArrayList<>();
        final List<LoadProducer> producers = new ArrayList<>();
        try
        {
            for (int c = 0; c < spec.consumers(); c++)
            {
                consumers.add(new LoadConsumer(c % spec.streams(), spec, link, control, latency));
            }
            for (int t = 0; t < spec.producerThreads(); t++)
            {
                final List<Integer> ownStreams = new ArrayList<>();
                for (int p = t; p < spec.producers(); p += spec.producerThreads())
                {
                    ownStreams.add(p % spec.streams());
                }
                producers.add(new LoadProducer(t, spec, link, control, ownStreams,
                    ownStreams.size() / (double)spec.producers()));
            }

            // The schedule starts once every thread runs: on a loaded machine a thread can start later than a short
            // run's whole schedule, and a producer that finds its run over sends nothing. Each thread opens its own
            // link ends before it says it runs (and closes them once the run ends), and no producer sends before the
            // schedule starts, so every consumer is there before the first message.
            control.expectThreads(consumers.size() + producers.size());
            consumers.forEach(c -> c.thread.start());
            producers.forEach(p -> p.thread.start());
            if (!control.awaitThreads(60))
            {
                throw new IllegalStateException("the load threads did not start within 60 s");
            }
            control.startSchedule(EpochClock.nanos() + START_DELAY_NANOS, spec.warmupNanos(), spec.measuredNanos());
            // A stall matters from the first message measured: it delays that message or a later one.
            final StallMeter stalls = StallMeter.running();
            stalls.reset(control.measureFromNanos());
            return new RunSampler(name, strategy, link, probe, spec, progress, control, latency, stalls, producers,
                consumers).sampleUntilDone();
        }
        finally
        {
            control.stopAll();
            control.endRun();
            for (final LoadProducer producer : producers)
            {
                producer.thread.join(TimeUnit.SECONDS.toMillis(10));
            }
            for (final LoadConsumer consumer : consumers)
            {
                consumer.thread.join(TimeUnit.SECONDS.toMillis(10));
            }
        }
    }

    /**
     * Closes a link end at the end of a run, ignoring what that throws.
     *
     * @param closeable the end, or null when it was not opened.
     */
    static void closeQuietly(final AutoCloseable closeable)
    {
        if (closeable == null)
        {
            return;
        }
        try
        {
            closeable.close();
        }
        catch (final Exception ignored)
        {
            // Closing after the run: nothing left to measure.
        }
    }
}
