package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A relay capped at 64 MiB of heap and 64 MiB of direct memory, under a producer that offers ten times what the
 * subscriber takes, for 30 seconds: it does not run out of memory, and nothing is lost.
 */
@Tag("slow")
class RelayOverloadMemoryTest
{
    private static final int PAYLOAD = 1024;
    private static final int CONSUMER_RATE = 10_000;
    private static final int PRODUCER_RATE = 10 * CONSUMER_RATE;
    private static final long DURATION_NANOS = TimeUnit.SECONDS.toNanos(30);

    @Test
    void cappedRelaySurvivesTenfoldOverload() throws Exception
    {
        // The relay's log stays in target/ for a look after a failure.
        final Path log = Path.of("target", "relay-overload-memory.log");
        try (ChildRelay relay = ChildRelay.start(log,
            List.of("-Xmx64m", "-XX:MaxDirectMemorySize=64m", "-XX:+ExitOnOutOfMemoryError",
                "-Dio.netty.leakDetection.level=paranoid"),
            "--port", "0");
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)))
        {
            final Subscription subscription = client.subscribe("overload");
            final Publication publication = client.publish("overload");
            final AtomicBoolean producing = new AtomicBoolean(true);
            final AtomicLong sent = new AtomicLong();
            final AtomicLong backPressured = new AtomicLong();
            final Thread producer = new Thread(() -> produce(publication, producing, sent, backPressured), "producer");
            producer.start();

            final OrderCheckingHandler handler = new OrderCheckingHandler();
            final long start = System.nanoTime();
            long due = 0;
            while (System.nanoTime() - start < DURATION_NANOS)
            {
                // Paced: the consumer takes CONSUMER_RATE messages per second, in slices of 1 ms.
                final long elapsed = System.nanoTime() - start;
                final long allowed = elapsed * CONSUMER_RATE / TimeUnit.SECONDS.toNanos(1);
                if (handler.received >= allowed ||
                    subscription.poll(handler, (int)Math.min(1000, allowed - handler.received)) == 0)
                {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                assertTrue(relay.isAlive(), "relay died; see " + relay.log());
                due++;
            }
            producing.set(false);
            producer.join();

            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (handler.received < sent.get() && System.nanoTime() < deadline)
            {
                if (subscription.poll(handler, 10_000) == 0)
                {
                    assertTrue(subscription.isConnected(), "subscription dropped: " + subscription.closeReason());
                    LockSupport.parkNanos(100_000);
                }
            }
            assertEquals(sent.get(), handler.received, handler.toString());
            assertTrue(handler.clean(), handler.toString());
            assertTrue(backPressured.get() > 0, "the producer was never back-pressured: no overload happened");
            assertTrue(relay.isAlive(), "relay died; see " + relay.log());
            publication.close();
            subscription.close();
            assertEquals(0, relay.terminate(), "relay exit code");
            final String output = Files.readString(relay.log());
            assertFalse(output.contains("OutOfMemoryError"), output);
            assertFalse(output.contains("LEAK:"), output);
            System.out.println("sent " + sent.get() + " received " + handler.received + " back-pressured offers " +
                backPressured.get() + " consumer loop turns " + due);
        }
    }

    // Offers at PRODUCER_RATE; a back-pressured message is retried until accepted, so nothing is skipped.
    private static void produce(
        final Publication publication, final AtomicBoolean producing, final AtomicLong sent,
        final AtomicLong backPressured)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        final long start = System.nanoTime();
        long sequence = 0;
        while (producing.get())
        {
            final long due = start + sequence * TimeUnit.SECONDS.toNanos(1) / PRODUCER_RATE;
            if (System.nanoTime() < due)
            {
                LockSupport.parkNanos(50_000);
                continue;
            }
            payload.putLong(0, sequence);
            final long result = publication.offer(payload, 0, PAYLOAD);
            if (result >= 0)
            {
                sequence++;
                sent.set(sequence);
            }
            else if (result == Publication.BACK_PRESSURED)
            {
                backPressured.incrementAndGet();
                LockSupport.parkNanos(50_000);
            }
            else
            {
                throw new IllegalStateException("offer failed: " + result + " " + publication.closeReason());
            }
        }
    }
}
