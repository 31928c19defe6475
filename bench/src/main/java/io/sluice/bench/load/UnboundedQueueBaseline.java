package io.sluice.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The fourth answer to backpressure, "ignore it", shown rather than described: a fast producer and a slow consumer
 * joined by an unbounded in-memory queue, in a child JVM with a small heap, until the queue has taken all of it and
 * the JVM throws {@link OutOfMemoryError}. It runs in a child so that the failure is the child's, not the demo's.
 * <p>
 * The child prints one line a second on stdout ({@code tick seconds sent delivered queued heapUsedBytes p99Micros})
 * and a last line {@code oom ...} or {@code end ...} with the same fields; the parent ({@link #run}) reads them.
 */
public final class UnboundedQueueBaseline
{
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);

    private UnboundedQueueBaseline()
    {
    }

    /**
     * What the baseline showed.
     *
     * @param heap the child's maximum heap, as given to -Xmx.
     * @param outOfMemory whether the child ran out of memory.
     * @param seconds how long it ran.
     * @param sent messages the producer queued.
     * @param delivered messages the consumer took.
     * @param queued messages in the queue at the end (lost with the process).
     * @param peakHeapBytes most heap the child used.
     * @param p99Micros latency p99 of what the consumer took, from the intended send time.
     * @param timeline one point a second: seconds, heap used, queued, p99.
     * @param error what went wrong starting the child, or null.
     */
    public record Result(String heap, boolean outOfMemory, double seconds, long sent, long delivered, long queued,
                         long peakHeapBytes, long p99Micros, List<RunResult.Point> timeline, String error)
    {
        /** @return the result as JSON fields. */
        public Map<String, Object> toJson()
        {
            final Map<String, Object> json = new LinkedHashMap<>();
            json.put("name", "ignore");
            json.put("link", "unbounded-queue");
            json.put("heap", heap);
            json.put("outOfMemory", outOfMemory);
            json.put("seconds", RunResult.round(seconds));
            json.put("sent", sent);
            json.put("delivered", delivered);
            json.put("queued", queued);
            json.put("peakHeapBytes", peakHeapBytes);
            json.put("p99Micros", p99Micros);
            final List<Map<String, Object>> points = new ArrayList<>();
            timeline.forEach(p -> points.add(p.toJson()));
            json.put("timeline", points);
            json.put("error", error);
            return json;
        }
    }

    /**
     * Runs the baseline in a child JVM (the same java and class path as this one).
     *
     * @param heap the child's -Xmx, e.g. {@code 64m}.
     * @param rate producer messages per second.
     * @param consumerRate consumer messages per second.
     * @param payloadBytes payload size.
     * @param maxSeconds stop after this long if memory has not run out.
     * @param progress where the line a second goes, or null.
     * @return what happened.
     */
    public static Result run(final String heap, final double rate, final double consumerRate, final int payloadBytes,
        final double maxSeconds, final PrintWriter progress)
    {
        final String javaPath = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final List<String> command = List.of(javaPath, "-Xmx" + heap, "-XX:+UseG1GC",
            "-cp", System.getProperty("java.class.path"), UnboundedQueueBaseline.class.getName(),
            Double.toString(rate), Double.toString(consumerRate), Integer.toString(payloadBytes),
            Double.toString(maxSeconds));
        final List<RunResult.Point> timeline = new ArrayList<>();
        long peakHeap = 0;
        long lastSent = 0;
        long lastDelivered = 0;
        long lastP99 = 0;
        double lastSeconds = 0;
        final Process process;
        final Path stderr;
        try
        {
            stderr = Files.createTempFile("sluice-ignore-", ".err");
            process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        }
        catch (final IOException ex)
        {
            return new Result(
                heap, false, 0, 0, 0, 0, 0, 0, timeline, "cannot start " + javaPath + ": " + ex.getMessage());
        }
        try (BufferedReader in =
            new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = in.readLine()) != null)
            {
                final String[] f = line.trim().split(" ");
                if (f.length != 7)
                {
                    continue;
                }
                final double seconds = Double.parseDouble(f[1]);
                final long sent = Long.parseLong(f[2]);
                final long delivered = Long.parseLong(f[3]);
                final long queued = Long.parseLong(f[4]);
                final long heapUsed = Long.parseLong(f[5]);
                final long p99 = Long.parseLong(f[6]);
                peakHeap = Math.max(peakHeap, heapUsed);
                if ("tick".equals(f[0]))
                {
                    final double dt = Math.max(1e-3, seconds - lastSeconds);
                    final RunResult.Point point = new RunResult.Point(seconds, (sent - lastSent) / dt,
                        (delivered - lastDelivered) / dt, heapUsed, 0, 0, 0, p99);
                    timeline.add(point);
                    if (progress != null)
                    {
                        progress.printf(Locale.ROOT, "%-24s %4.0fs  in %,10.0f/s  out %,10.0f/s  heap     %9s  "
                            + "queued  %,10d  dropped %,10d  p99 %s%n",
                            "ignore (unbounded queue)", seconds, point.inPerSecond(), point.outPerSecond(),
                            Format.bytes(heapUsed), queued, 0, Format.micros(p99));
                        progress.flush();
                    }
                    lastSeconds = seconds;
                    lastSent = sent;
                    lastDelivered = delivered;
                    lastP99 = p99;
                }
                else
                {
                    process.waitFor(10, TimeUnit.SECONDS);
                    // The last line's interval may hold nothing delivered; the last full second's p99 says more.
                    return new Result(heap, "oom".equals(f[0]), seconds, sent, delivered, queued, peakHeap,
                        p99 > 0 ? p99 : lastP99, timeline, null);
                }
            }
            process.waitFor(10, TimeUnit.SECONDS);
            // Out of memory before it could say so: the JVM's own message is on stderr.
            final String errors = Files.readString(stderr, StandardCharsets.UTF_8);
            if (errors.contains("OutOfMemoryError"))
            {
                return new Result(heap, true, lastSeconds, lastSent, lastDelivered, lastSent - lastDelivered, peakHeap,
                    lastP99, timeline, null);
            }
            return new Result(heap, false, lastSeconds, lastSent, lastDelivered, 0, peakHeap, 0, timeline,
                "the child JVM ended without a result (exit code "
                    + (process.isAlive() ? "none" : process.exitValue()) + "): "
                    + errors.lines().findFirst().orElse(""));
        }
        catch (final IOException | InterruptedException ex)
        {
            if (ex instanceof InterruptedException)
            {
                Thread.currentThread().interrupt();
            }
            return new Result(
                heap, false, lastSeconds, lastSent, lastDelivered, 0, peakHeap, 0, timeline, ex.toString());
        }
        finally
        {
            process.destroyForcibly();
            try
            {
                Files.deleteIfExists(stderr);
            }
            catch (final IOException ignored)
            {
                // A temp file left behind.
            }
        }
    }

    /**
     * The child: {@code rate consumerRate payloadBytes maxSeconds}.
     *
     * @param args as above.
     * @throws InterruptedException never in practice.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final double rate = Double.parseDouble(args[0]);
        final double consumerRate = Double.parseDouble(args[1]);
        final int payloadBytes = Integer.parseInt(args[2]);
        final long maxNanos = (long)(Double.parseDouble(args[3]) * SECOND_NANOS);

        // The naive design this demo warns against: a queue with no bound between a fast producer and a slow consumer.
        final ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
        final Recorder latency = new Recorder(3);
        final long start = System.nanoTime();
        final long[] sent = new long[1];
        final long[] delivered = new long[1];
        final boolean[] outOfMemory = new boolean[1];
        final Object lock = new Object();

        final Thread producer = new Thread(() ->
        {
            try
            {
                final double nanosPer = SECOND_NANOS / rate;
                for (long i = 0; !Thread.currentThread().isInterrupted(); i++)
                {
                    final long due = start + (long)(i * nanosPer);
                    pause(due);
                    final byte[] message = new byte[payloadBytes];
                    ByteBuffer.wrap(message).putLong(0, due);
                    queue.add(message);
                    synchronized (lock)
                    {
                        sent[0]++;
                    }
                }
            }
            catch (final OutOfMemoryError oom)
            {
                queue.clear();
                synchronized (lock)
                {
                    outOfMemory[0] = true;
                }
            }
        }, "ignore-producer");
        final Thread consumer = new Thread(() ->
        {
            try
            {
                final double nanosPer = SECOND_NANOS / consumerRate;
                for (long i = 0; !Thread.currentThread().isInterrupted(); i++)
                {
                    pause(start + (long)(i * nanosPer));
                    byte[] message;
                    while ((message = queue.poll()) == null && !Thread.currentThread().isInterrupted())
                    {
                        LockSupport.parkNanos(10_000);
                    }
                    if (message != null)
                    {
                        latency.recordValue(
                            Math.max(0, System.nanoTime() - ByteBuffer.wrap(message).getLong(0)) / 1_000);
                        synchronized (lock)
                        {
                            delivered[0]++;
                        }
                    }
                }
            }
            catch (final OutOfMemoryError oom)
            {
                queue.clear();
                synchronized (lock)
                {
                    outOfMemory[0] = true;
                }
            }
        }, "ignore-consumer");
        producer.setDaemon(true);
        consumer.setDaemon(true);
        producer.start();
        consumer.start();

        // Reserve kept until the heap runs out, then let go so the last line can still be printed.
        byte[] reserve = new byte[2 * 1024 * 1024];
        Histogram interval = null;
        long nextTick = start + SECOND_NANOS;
        while (true)
        {
            pause(Math.min(nextTick, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50)));
            final long now = System.nanoTime();
            final boolean oom;
            final long s;
            final long d;
            synchronized (lock)
            {
                oom = outOfMemory[0];
                s = sent[0];
                d = delivered[0];
            }
            final boolean over = now - start >= maxNanos;
            if (now >= nextTick || oom || over)
            {
                if (oom)
                {
                    reserve = null;
                    queue.clear();
                }
                long heapUsed = 0;
                try
                {
                    interval = latency.getIntervalHistogram(interval);
                    heapUsed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                }
                catch (final OutOfMemoryError ex)
                {
                    reserve = null;
                    queue.clear();
                    synchronized (lock)
                    {
                        outOfMemory[0] = true;
                    }
                    continue;
                }
                final String kind = oom ? "oom" : over ? "end" : "tick";
                System.out.printf(Locale.ROOT, "%s %.3f %d %d %d %d %d%n", kind, (now - start) / 1e9, s, d, s - d,
                    heapUsed, interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(99));
                System.out.flush();
                if (oom || over)
                {
                    System.exit(0);
                }
                nextTick += SECOND_NANOS;
            }
        }
    }

    private static void pause(final long until)
    {
        long now;
        while ((now = System.nanoTime()) < until)
        {
            LockSupport.parkNanos(Math.min(until - now, 1_000_000));
        }
    }
}
