package io.sluice.bench.load;

import io.sluice.core.util.EpochClock;
import org.HdrHistogram.Histogram;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Watches a {@link LoadRun} from the calling thread: every 100 ms it reads the load threads' counters and the relay's
 * gauges, once a second it adds a point to the timeline and prints a progress line, and once the producers have
 * stopped it gives the consumers the backlog until every message is accounted for or the drain time is up. Then it
 * puts the {@link RunResult} together.
 */
final class RunSampler
{
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final String name;
    private final String strategy;
    private final Link link;
    private final RelayProbe probe;
    private final LoadSpec spec;
    private final PrintWriter progress;
    private final RunControl control;
    private final LatencyRecording latency;
    private final StallMeter stalls;
    private final List<LoadProducer> producers;
    private final List<LoadConsumer> consumers;

    RunSampler(final String name, final String strategy, final Link link, final RelayProbe probe, final LoadSpec spec,
        final PrintWriter progress, final RunControl control, final LatencyRecording latency, final StallMeter stalls,
        final List<LoadProducer> producers, final List<LoadConsumer> consumers)
    {
        this.name = name;
        this.strategy = strategy;
        this.link = link;
        this.probe = probe;
        this.spec = spec;
        this.progress = progress;
        this.control = control;
        this.latency = latency;
        this.stalls = stalls;
        this.producers = producers;
        this.consumers = consumers;
    }

    RunResult sampleUntilDone() throws Exception
    {
        final Histogram total = new Histogram(3);
        Histogram interval = null;
        final List<RunResult.Point> timeline = new ArrayList<>();
        long peakMemory = 0;
        long peakDisk = 0;
        RelayProbe.Sample sample = probe == null ? null : probe.sample();

        long lastPointAt = control.startNanos();
        long sentAtPoint = 0;
        long deliveredAtPoint = 0;
        long sentAtFrom = -1;
        long deliveredAtFrom = -1;
        long fromAt = 0;
        long sentAtTo = -1;
        long deliveredAtTo = -1;
        long toAt = 0;
        long drainUntil = Long.MAX_VALUE;
        long[] expectedByStream = null;

        while (true)
        {
            LockSupport.parkNanos(SAMPLE_NANOS);
            final long now = EpochClock.nanos();
            if (control.failure() != null)
            {
                break;
            }
            final long sent = sum(producers);
            final long delivered = delivered(consumers);
            if (probe != null)
            {
                sample = probe.sample();
                peakMemory = Math.max(peakMemory, sample.memoryBytes());
                peakDisk = Math.max(peakDisk, sample.diskBytes());
            }
            if (sentAtFrom < 0 && now >= control.measureFromNanos())
            {
                sentAtFrom = sent;
                deliveredAtFrom = delivered;
                fromAt = now;
            }
            if (now - lastPointAt >= SECOND_NANOS - SAMPLE_NANOS / 2)
            {
                interval = latency.interval(interval);
                total.add(interval);
                final double seconds = (now - lastPointAt) / (double)SECOND_NANOS;
                final RunResult.Point point = new RunResult.Point((now - control.startNanos()) / (double)SECOND_NANOS,
                    (sent - sentAtPoint) / seconds, (delivered - deliveredAtPoint) / seconds,
                    sample == null ? 0 : sample.memoryBytes(), sample == null ? 0 : sample.diskBytes(),
                    sample == null ? 0 : sample.spilled(), dropped(consumers),
                    interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(99));
                timeline.add(point);
                printPoint(point);
                lastPointAt = now;
                sentAtPoint = sent;
                deliveredAtPoint = delivered;
            }
            if (expectedByStream == null)
            {
                if (producers.stream().allMatch(p -> p.doneSending))
                {
                    // The producers stopped at the end of their schedule (or the link failed); now the backlog.
                    sentAtTo = sent;
                    deliveredAtTo = delivered;
                    toAt = now;
                    if (sentAtFrom < 0)
                    {
                        sentAtFrom = 0;
                        deliveredAtFrom = 0;
                        fromAt = control.startNanos();
                    }
                    expectedByStream = expectedByStream(producers);
                    control.draining = true;
                    drainUntil = now + spec.drainNanos();
                }
            }
            else if (allAccounted(consumers, expectedByStream, sample) || now >= drainUntil)
            {
                break;
            }
        }
        control.stopAll();
        for (final LoadConsumer consumer : consumers)
        {
            consumer.stopped.await(10, TimeUnit.SECONDS);
        }
        control.rethrowFailure();
        interval = latency.interval(interval);
        total.add(interval);
        if (probe != null)
        {
            sample = probe.sample();
            peakMemory = Math.max(peakMemory, sample.memoryBytes());
            peakDisk = Math.max(peakDisk, sample.diskBytes());
        }

        long expected = 0;
        long delivered = 0;
        long dropped = 0;
        for (final LoadConsumer consumer : consumers)
        {
            expected += expectedByStream[consumer.stream];
            delivered += consumer.delivered.get();
            dropped += consumer.dropped.get();
        }
        long intended = 0;
        long backPressured = 0;
        for (final LoadProducer producer : producers)
        {
            intended += producer.intended;
            backPressured += producer.backPressured;
        }
        final double seconds = Math.max(1, toAt - fromAt) / (double)SECOND_NANOS;
        final Map<String, Long> byReason = sample == null ? Map.of() : new TreeMap<>(sample.droppedByReason());
        // Drops the relay counted but has not announced to a consumer (yet) are not "on their way".
        final long accountedDrops = Math.max(dropped, sample == null ? 0 : sample.dropped());
        return new RunResult(name, link.name(), strategy, spec, intended, sum(producers), expected, delivered, dropped,
            byReason, sample == null ? 0 : sample.spilled(), expected - delivered - accountedDrops, backPressured,
            peakMemory, peakDisk, seconds, (sentAtTo - sentAtFrom) / seconds,
            (deliveredAtTo - deliveredAtFrom) / seconds, total, stalls.read(), timeline);
    }

    private void printPoint(final RunResult.Point point)
    {
        if (progress == null)
        {
            return;
        }
        progress.printf(Locale.ROOT,
            "%-24s %4.0fs  in %,10.0f/s  out %,10.0f/s  buffered %9s  spilled %,10d  dropped %,10d  p99 %s%n",
            name, point.seconds(), point.inPerSecond(), point.outPerSecond(), Format.bytes(point.memoryBytes()),
            point.spilled(), point.dropped(), point.outPerSecond() == 0 ? "-" : Format.micros(point.p99Micros()));
        progress.flush();
    }

    /**
     * Every consumer has received or been told of the drop of every message of its stream; or, taken together, the
     * consumers received what the relay did not count as dropped (a relay may announce a drop at the tail of a stream
     * only with the next message, which never comes).
     */
    private boolean allAccounted(final List<LoadConsumer> consumers, final long[] expectedByStream,
        final RelayProbe.Sample sample)
    {
        boolean each = true;
        long expected = 0;
        long delivered = 0;
        for (final LoadConsumer consumer : consumers)
        {
            expected += expectedByStream[consumer.stream];
            delivered += consumer.delivered.get();
            if (consumer.delivered.get() + consumer.dropped.get() < expectedByStream[consumer.stream])
            {
                each = false;
            }
        }
        return each || (sample != null && sample.dropped() > 0 && delivered + sample.dropped() >= expected);
    }

    private long[] expectedByStream(final List<LoadProducer> producers)
    {
        final long[] expected = new long[spec.streams()];
        for (final LoadProducer producer : producers)
        {
            for (int s = 0; s < expected.length; s++)
            {
                expected[s] += producer.sentByStream[s];
            }
        }
        return expected;
    }

    private static long sum(final List<LoadProducer> producers)
    {
        long sum = 0;
        for (final LoadProducer producer : producers)
        {
            sum += producer.sent.get();
        }
        return sum;
    }

    private static long delivered(final List<LoadConsumer> consumers)
    {
        long sum = 0;
        for (final LoadConsumer consumer : consumers)
        {
            sum += consumer.delivered.get();
        }
        return sum;
    }

    private static long dropped(final List<LoadConsumer> consumers)
    {
        long sum = 0;
        for (final LoadConsumer consumer : consumers)
        {
            sum += consumer.dropped.get();
        }
        return sum;
    }
}
