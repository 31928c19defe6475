package io.sluice.bench.load;

import io.sluice.core.util.EpochClock;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives one run over a {@link Link}: open-loop producers on a schedule, consumers that may be slow on purpose, a
 * sampler that prints one line a second, then a drain that gives the consumers the backlog at full speed.
 * <p>
 * <b>Coordinated omission.</b> A paced producer stamps message {@code i} of a phase with its intended send time
 * ({@code phaseStart + i / rate}) and keeps that stamp however long the link pushes back, so time spent waiting to
 * send counts as latency at the consumer instead of silently stretching the schedule. At the maximum rate there is no
 * schedule: the stamp is the time of the first attempt.
 * <p>
 * Latency is recorded in microseconds into an HdrHistogram {@link Recorder} (no allocation per message) for messages
 * whose stamp falls in the measured window: after the warmup, before the producers stop.
 */
public final class LoadRun
{
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int POLL_LIMIT = 256;
    // Producers start together, a little after the threads are started.
    private static final long START_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final String name;
    private final String strategy;
    private final Link link;
    private final RelayProbe probe;
    private final LoadSpec spec;
    private final PrintWriter progress;

    private final Recorder recorder = new Recorder(3);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopProducers;
    private volatile boolean stopConsumers;
    private volatile boolean draining;

    // Set once every load thread has started (threadsReady), then published to them (scheduleSet).
    private long startNanos;
    // Volatile: a link that delivers by itself reads them on a thread of its own, which the latch does not order.
    private volatile long measureFromNanos;
    private volatile long measureToNanos;
    private java.util.concurrent.CountDownLatch threadsReady;
    private final java.util.concurrent.CountDownLatch scheduleSet = new java.util.concurrent.CountDownLatch(1);

    private LoadRun(final String name, final String strategy, final Link link, final RelayProbe probe, final LoadSpec spec,
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
        final List<Consumer> consumers = new ArrayList<>();
        final List<Producer> producers = new ArrayList<>();
        final List<Link.Outlet> outlets = new ArrayList<>();
        try
        {
            for (int c = 0; c < spec.consumers(); c++)
            {
                consumers.add(new Consumer(c % spec.streams()));
            }
            final int[] streamOf = new int[spec.producers()];
            for (int p = 0; p < spec.producers(); p++)
            {
                streamOf[p] = p % spec.streams();
                outlets.add(link.openOutlet(streamOf[p]));
            }
            for (int t = 0; t < spec.producerThreads(); t++)
            {
                final List<Link.Outlet> own = new ArrayList<>();
                final List<Integer> ownStreams = new ArrayList<>();
                for (int p = t; p < spec.producers(); p += spec.producerThreads())
                {
                    own.add(outlets.get(p));
                    ownStreams.add(streamOf[p]);
                }
                producers.add(new Producer(t, own, ownStreams, own.size() / (double)spec.producers()));
            }

            // The schedule starts once every thread runs: on a loaded machine a thread can start later than a short
            // run's whole schedule, and a producer that finds its run over sends nothing.
            threadsReady = new java.util.concurrent.CountDownLatch(consumers.size() + producers.size());
            consumers.forEach(c -> c.thread.start());
            producers.forEach(p -> p.thread.start());
            if (!threadsReady.await(60, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("the load threads did not start within 60 s");
            }
            startNanos = EpochClock.nanos() + START_DELAY_NANOS;
            measureFromNanos = startNanos + spec.warmupNanos();
            measureToNanos = measureFromNanos + spec.measuredNanos();
            scheduleSet.countDown();
            return sampleUntilDone(producers, consumers);
        }
        finally
        {
            stopProducers = true;
            stopConsumers = true;
            for (final Producer producer : producers)
            {
                producer.thread.join(TimeUnit.SECONDS.toMillis(10));
            }
            for (final Consumer consumer : consumers)
            {
                consumer.thread.join(TimeUnit.SECONDS.toMillis(10));
            }
            for (final Link.Outlet outlet : outlets)
            {
                closeQuietly(outlet);
            }
            for (final Consumer consumer : consumers)
            {
                closeQuietly(consumer.inlet);
            }
        }
    }

    private RunResult sampleUntilDone(final List<Producer> producers, final List<Consumer> consumers) throws Exception
    {
        final Histogram total = new Histogram(3);
        Histogram interval = null;
        final List<RunResult.Point> timeline = new ArrayList<>();
        long peakMemory = 0;
        long peakDisk = 0;
        RelayProbe.Sample sample = probe == null ? null : probe.sample();

        long lastPointAt = startNanos;
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
            if (failure.get() != null)
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
            if (sentAtFrom < 0 && now >= measureFromNanos)
            {
                sentAtFrom = sent;
                deliveredAtFrom = delivered;
                fromAt = now;
            }
            if (now - lastPointAt >= SECOND_NANOS - SAMPLE_NANOS / 2)
            {
                interval = recorder.getIntervalHistogram(interval);
                total.add(interval);
                final double seconds = (now - lastPointAt) / (double)SECOND_NANOS;
                final RunResult.Point point = new RunResult.Point((now - startNanos) / (double)SECOND_NANOS,
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
                if (producers.stream().allMatch(p -> !p.thread.isAlive()))
                {
                    // The producers stopped at the end of their schedule (or the link failed); now the backlog.
                    sentAtTo = sent;
                    deliveredAtTo = delivered;
                    toAt = now;
                    if (sentAtFrom < 0)
                    {
                        sentAtFrom = 0;
                        deliveredAtFrom = 0;
                        fromAt = startNanos;
                    }
                    expectedByStream = expectedByStream(producers);
                    draining = true;
                    drainUntil = now + spec.drainNanos();
                }
            }
            else if (allAccounted(consumers, expectedByStream, sample) || now >= drainUntil)
            {
                break;
            }
        }
        stopProducers = true;
        stopConsumers = true;
        for (final Consumer consumer : consumers)
        {
            consumer.thread.join(TimeUnit.SECONDS.toMillis(10));
        }
        final Throwable failed = failure.get();
        if (failed != null)
        {
            throw failed instanceof Exception e ? e : new IllegalStateException(failed);
        }
        interval = recorder.getIntervalHistogram(interval);
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
        for (final Consumer consumer : consumers)
        {
            expected += expectedByStream[consumer.stream];
            delivered += consumer.delivered.get();
            dropped += consumer.dropped.get();
        }
        long intended = 0;
        long backPressured = 0;
        for (final Producer producer : producers)
        {
            intended += producer.intended;
            backPressured += producer.backPressured;
        }
        final double seconds = Math.max(1, toAt - fromAt) / (double)SECOND_NANOS;
        final Map<String, Long> byReason = sample == null ? Map.of() : new TreeMap<>(sample.droppedByReason());
        // Drops the relay counted but has not announced to a consumer (yet) are not "on their way".
        final long accountedDrops = Math.max(dropped, sample == null ? 0 : sample.dropped());
        return new RunResult(name, link.name(), strategy, spec, intended, sum(producers), expected, delivered, dropped,
            byReason, sample == null ? 0 : sample.spilled(), expected - delivered - accountedDrops, backPressured, peakMemory,
            peakDisk, seconds, (sentAtTo - sentAtFrom) / seconds, (deliveredAtTo - deliveredAtFrom) / seconds, total,
            timeline);
    }

    private void printPoint(final RunResult.Point point)
    {
        if (progress == null)
        {
            return;
        }
        progress.printf(Locale.ROOT, "%-24s %4.0fs  in %,10.0f/s  out %,10.0f/s  buffered %9s  spilled %,10d  dropped %,10d  p99 %s%n",
            name, point.seconds(), point.inPerSecond(), point.outPerSecond(), Format.bytes(point.memoryBytes()),
            point.spilled(), point.dropped(), point.outPerSecond() == 0 ? "-" : Format.micros(point.p99Micros()));
        progress.flush();
    }

    /**
     * Every consumer has received or been told of the drop of every message of its stream; or, taken together, the
     * consumers received what the relay did not count as dropped (a relay may announce a drop at the tail of a stream
     * only with the next message, which never comes).
     */
    private boolean allAccounted(final List<Consumer> consumers, final long[] expectedByStream, final RelayProbe.Sample sample)
    {
        boolean each = true;
        long expected = 0;
        long delivered = 0;
        for (final Consumer consumer : consumers)
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

    private long[] expectedByStream(final List<Producer> producers)
    {
        final long[] expected = new long[spec.streams()];
        for (final Producer producer : producers)
        {
            for (int s = 0; s < expected.length; s++)
            {
                expected[s] += producer.sentByStream[s];
            }
        }
        return expected;
    }

    private static long sum(final List<Producer> producers)
    {
        long sum = 0;
        for (final Producer producer : producers)
        {
            sum += producer.sent.get();
        }
        return sum;
    }

    private static long delivered(final List<Consumer> consumers)
    {
        long sum = 0;
        for (final Consumer consumer : consumers)
        {
            sum += consumer.delivered.get();
        }
        return sum;
    }

    private static long dropped(final List<Consumer> consumers)
    {
        long sum = 0;
        for (final Consumer consumer : consumers)
        {
            sum += consumer.dropped.get();
        }
        return sum;
    }

    // A load thread, first thing: says it runs, then waits for the schedule (or for the run to be called off).
    private void awaitSchedule() throws InterruptedException
    {
        threadsReady.countDown();
        while (!scheduleSet.await(100, TimeUnit.MILLISECONDS))
        {
            if (stopProducers || stopConsumers)
            {
                throw new IllegalStateException("the run was called off before it started");
            }
        }
    }

    private void fail(final Throwable ex)
    {
        failure.compareAndSet(null, ex);
        stopProducers = true;
        stopConsumers = true;
    }

    private static void closeQuietly(final AutoCloseable closeable)
    {
        try
        {
            closeable.close();
        }
        catch (final Exception ignored)
        {
            // Closing after the run: nothing left to measure.
        }
    }

    /** One producer thread and the outlets it drives in turn. */
    private final class Producer implements Runnable
    {
        final Thread thread;
        final List<Link.Outlet> outlets;
        final int[] streams;
        final double share;
        final long[] sentByStream = new long[spec.streams()];
        final AtomicLong sent = new AtomicLong();
        // Written by this thread, read after join.
        long intended;
        long backPressured;

        Producer(final int index, final List<Link.Outlet> outlets, final List<Integer> streams, final double share)
        {
            this.outlets = outlets;
            this.streams = streams.stream().mapToInt(Integer::intValue).toArray();
            this.share = share;
            this.thread = new Thread(this, "bench-producer-" + index);
            this.thread.setDaemon(true);
        }

        @Override
        public void run()
        {
            try
            {
                awaitSchedule();
                send();
                for (final Link.Outlet outlet : outlets)
                {
                    outlet.flush();
                }
            }
            catch (final Throwable ex)
            {
                fail(ex);
            }
        }

        private void send() throws Exception
        {
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(spec.payloadBytes()));
            for (int i = 8; i < spec.payloadBytes(); i++)
            {
                payload.putByte(i, (byte)('a' + i % 26));
            }
            final boolean keyed = spec.keys() > 0;
            final BackoffIdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 100_000);
            final List<LoadSpec.Phase> phases = new ArrayList<>();
            if (spec.warmupNanos() > 0)
            {
                phases.add(new LoadSpec.Phase(spec.warmupNanos(), spec.phases().get(0).rate()));
            }
            phases.addAll(spec.phases());
            final long runEnd = measureToNanos;
            waitUntil(startNanos);

            long count = 0;
            int next = 0;
            long phaseStart = startNanos;
            for (final LoadSpec.Phase phase : phases)
            {
                final long phaseEnd = phaseStart + phase.nanos();
                final double rate = phase.rate() * share;
                if (rate <= 0)
                {
                    flushAll();
                    waitUntil(phaseEnd);
                    phaseStart = phaseEnd;
                    continue;
                }
                final boolean paced = !Double.isInfinite(rate);
                final double nanosPerMessage = paced ? SECOND_NANOS / rate : 0;
                if (paced)
                {
                    intended += (long)Math.ceil(phase.nanos() / nanosPerMessage);
                }
                long i = 0;
                while (!stopProducers)
                {
                    // One clock read per message: at the maximum rate it is a visible share of the producer's time.
                    final long now = EpochClock.nanos();
                    if (now >= runEnd)
                    {
                        return;
                    }
                    final long stamp;
                    if (paced)
                    {
                        stamp = phaseStart + (long)(i * nanosPerMessage);
                        if (stamp >= phaseEnd)
                        {
                            break;
                        }
                        if (stamp - now > 20_000)
                        {
                            flushAll();
                            waitUntil(stamp);
                        }
                    }
                    else
                    {
                        if (now >= phaseEnd)
                        {
                            break;
                        }
                        stamp = now;
                    }
                    final Link.Outlet outlet = outlets.get(next);
                    payload.putLong(0, keyed ? count % spec.keys() : count, ByteOrder.BIG_ENDIAN);
                    idle.reset();
                    while (!outlet.offer(payload, spec.payloadBytes(), keyed, stamp))
                    {
                        backPressured++;
                        if (stopProducers || EpochClock.nanos() >= runEnd)
                        {
                            return;
                        }
                        idle.idle();
                    }
                    count++;
                    i++;
                    sentByStream[streams[next]]++;
                    sent.lazySet(count);
                    if (!paced)
                    {
                        intended++;
                    }
                    next = next + 1 == outlets.size() ? 0 : next + 1;
                }
                phaseStart = phaseEnd;
            }
        }

        private void flushAll() throws Exception
        {
            for (final Link.Outlet outlet : outlets)
            {
                outlet.flush();
            }
        }

        private void waitUntil(final long target)
        {
            long now;
            while ((now = EpochClock.nanos()) < target && !stopProducers)
            {
                final long wait = target - now;
                if (wait > 100_000)
                {
                    // parkNanos overshoots by tens of microseconds: park short of the target, spin the rest.
                    LockSupport.parkNanos(wait - 60_000);
                }
                else
                {
                    // Yield rather than spin: the relay and the consumers share these cores, and a spinning producer
                    // would take the CPU they need (with several producer threads, all of it on two cores).
                    Thread.yield();
                }
            }
        }
    }

    /**
     * One consumer: a thread polling one inlet, paced while the load runs when the spec says so; or, unpaced on a link
     * that delivers by itself, a sink the link calls on its own thread, and a thread that only watches for failure.
     */
    private final class Consumer implements Runnable, Link.Sink
    {
        final Thread thread;
        final int stream;
        final Link.Inlet inlet;
        final boolean deliveredByLink;
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();
        // Written by one thread: the consumer's, or the link's when it delivers.
        private long deliveredCount;
        private long droppedCount;

        Consumer(final int stream) throws Exception
        {
            this.stream = stream;
            final Link.Inlet pushing = spec.consumerRate() > 0 ? null : link.openInlet(stream, this);
            this.deliveredByLink = pushing != null;
            this.inlet = pushing != null ? pushing : link.openInlet(stream);
            this.thread = new Thread(this, "bench-consumer-" + stream);
            this.thread.setDaemon(true);
        }

        @Override
        public void onMessage(final long timestampNanos)
        {
            if (timestampNanos >= measureFromNanos && timestampNanos < measureToNanos)
            {
                // Clocks agree within a process; a negative value can only be rounding.
                recorder.recordValue(Math.max(0, EpochClock.nanos() - timestampNanos) / 1_000);
            }
            delivered.lazySet(++deliveredCount);
        }

        @Override
        public void onDropped(final long count)
        {
            droppedCount += count;
            dropped.lazySet(droppedCount);
        }

        @Override
        public void run()
        {
            try
            {
                awaitSchedule();
                consume();
            }
            catch (final Throwable ex)
            {
                fail(ex);
            }
        }

        private void consume() throws Exception
        {
            if (deliveredByLink)
            {
                while (!stopConsumers)
                {
                    inlet.poll(this, 0);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                return;
            }
            final double rate = spec.consumerRate();
            final boolean paced = rate > 0;
            final double nanosPerMessage = paced ? SECOND_NANOS / rate : 0;
            final int pacedBatch = paced ? (int)Math.max(1, Math.min(POLL_LIMIT, rate / 1000)) : POLL_LIMIT;
            final BackoffIdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 100_000);
            long paceOrigin = EpochClock.nanos();
            long paceBase = 0;
            while (!stopConsumers)
            {
                int limit = POLL_LIMIT;
                if (paced && !draining)
                {
                    final long now = EpochClock.nanos();
                    final long due = deliveredCount - paceBase;
                    final long dueAt = paceOrigin + (long)(due * nanosPerMessage);
                    if (now < dueAt)
                    {
                        LockSupport.parkNanos(Math.min(dueAt - now, 10_000_000));
                        continue;
                    }
                    final long allowed = 1 + (long)((now - paceOrigin) / nanosPerMessage) - due;
                    limit = (int)Math.min(allowed, pacedBatch);
                }
                if (inlet.poll(this, limit) > 0)
                {
                    idle.reset();
                    continue;
                }
                if (paced)
                {
                    // Starved, not slow: restart the schedule so the wait earns no credit for a later burst.
                    paceOrigin = EpochClock.nanos();
                    paceBase = deliveredCount;
                }
                idle.idle();
            }
        }
    }
}
