package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The spill strategy's memory promise: a relay with 128 MiB of heap and 96 MiB of direct memory, an 8 MiB memory
 * tier, and a producer offering ten times what its subscriber takes for 60 seconds. The relay does not run out of
 * memory; its anonymous resident memory (heap, direct buffers, the JVM itself; not Chronicle's file mappings, which
 * are page cache) and its heap after a full GC stay flat after the first seconds; nothing is lost.
 */
@Tag("slow")
class SpillMemorySoakTest
{
    private static final int PAYLOAD = 64;
    private static final int CONSUMER_RATE = 5_000;
    private static final int PRODUCER_RATE = 10 * CONSUMER_RATE;
    private static final long DURATION_NANOS = TimeUnit.SECONDS.toNanos(60);

    @TempDir
    Path spillDir;

    @Test
    void memoryStaysFlatUnderTenfoldOverloadForAMinute() throws Exception
    {
        try (ChildRelay relay = ChildRelay.start(Path.of("target", "spill-soak.log"),
            List.of("-Xmx128m", "-XX:MaxDirectMemorySize=96m", "-XX:+ExitOnOutOfMemoryError"),
            "--port", "0", "--strategy", "spill", "--memory", "8MiB", "--spill-quota", "8GiB",
            "--spill-dir", spillDir.toString());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)))
        {
            final Subscription subscription = client.subscribe("soak");
            final Publication publication = client.publish("soak");
            final AtomicBoolean producing = new AtomicBoolean(true);
            final AtomicLong sent = new AtomicLong();
            final Thread producer = new Thread(() -> produce(publication, producing, sent), "producer");
            producer.start();

            final OrderCheckingHandler handler = new OrderCheckingHandler();
            final List<Long> rssSamples = new ArrayList<>();
            final List<Long> heapSamples = new ArrayList<>();
            final long start = System.nanoTime();
            long nextSample = start + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() - start < DURATION_NANOS)
            {
                final long allowed = (System.nanoTime() - start) * CONSUMER_RATE / TimeUnit.SECONDS.toNanos(1);
                if (handler.received >= allowed ||
                    subscription.poll(handler, (int)Math.min(1000, allowed - handler.received)) == 0)
                {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                if (System.nanoTime() >= nextSample)
                {
                    rssSamples.add(anonymousRssBytes(relay.pid()));
                    heapSamples.add(heapAfterFullGc(relay.pid()));
                    nextSample += TimeUnit.SECONDS.toNanos(5);
                }
                assertTrue(relay.isAlive(), "relay died; see " + relay.log());
            }
            producing.set(false);
            producer.join();
            System.out.println("anonymous RSS every 5 s (MiB): " + mib(rssSamples) + "; heap after GC: " +
                mib(heapSamples) +
                "; sent " + sent.get() + ", received during the run " + handler.received);

            // Flat: after the first 15 seconds, neither grows by more than a quarter over its level at 15 s.
            final long rssAt15 = rssSamples.get(2);
            final long heapAt15 = heapSamples.get(2);
            for (int i = 3; i < rssSamples.size(); i++)
            {
                assertTrue(rssSamples.get(i) <= rssAt15 * 5 / 4 + (8 << 20), "RSS grew: " + mib(rssSamples));
                assertTrue(heapSamples.get(i) <= heapAt15 * 5 / 4 + (8 << 20), "heap grew: " + mib(heapSamples));
            }

            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (handler.received < sent.get() && System.nanoTime() < deadline)
            {
                if (subscription.poll(handler, 10_000) == 0)
                {
                    LockSupport.parkNanos(100_000);
                }
            }
            assertEquals(sent.get(), handler.received, handler.toString());
            assertTrue(handler.clean(), handler.toString());
            assertEquals(0, relay.terminate(), "relay exit code");
            assertFalse(Files.readString(relay.log()).contains("OutOfMemoryError"));
        }
    }

    private static void produce(final Publication publication, final AtomicBoolean producing, final AtomicLong sent)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        final long start = System.nanoTime();
        long sequence = 0;
        while (producing.get())
        {
            if (System.nanoTime() < start + sequence * TimeUnit.SECONDS.toNanos(1) / PRODUCER_RATE)
            {
                LockSupport.parkNanos(20_000);
                continue;
            }
            payload.putLong(0, sequence);
            if (publication.offer(payload, 0, PAYLOAD) >= 0)
            {
                sent.set(++sequence);
            }
            else
            {
                LockSupport.parkNanos(20_000);
            }
        }
    }

    private static final Pattern RSS_ANON = Pattern.compile("RssAnon:\\s+(\\d+) kB");
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    private static long anonymousRssBytes(final long pid) throws IOException
    {
        final Matcher m = RSS_ANON.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
        assertTrue(m.find(), "no RssAnon in /proc/" + pid + "/status");
        return Long.parseLong(m.group(1)) * 1024;
    }

    // jcmd: a full GC, then the heap's used bytes.
    private static long heapAfterFullGc(final long pid) throws IOException, InterruptedException
    {
        final String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        run(jcmd, Long.toString(pid), "GC.run");
        final Matcher m = HEAP_USED.matcher(run(jcmd, Long.toString(pid), "GC.heap_info"));
        assertTrue(m.find(), "no heap usage from jcmd");
        return Long.parseLong(m.group(1)) * 1024;
    }

    private static String run(final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        return output;
    }

    private static String mib(final List<Long> bytes)
    {
        final StringBuilder sb = new StringBuilder();
        for (final long b : bytes)
        {
            sb.append(sb.length() == 0 ? "" : " ").append(b >> 20);
        }
        return sb.toString();
    }
}
