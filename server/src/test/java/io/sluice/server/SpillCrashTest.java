package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A relay killed with SIGKILL while a durable subscriber's backlog sits on disk: a new relay on the same spill
 * directory delivers that backlog, in order, when the subscriber reconnects under the same name. Only what sat in
 * memory (the memory tier, the hand-offs, buffers on the wire) may be missing, as one contiguous stretch.
 */
@Tag("slow")
class SpillCrashTest
{
    private static final int PAYLOAD = 64;
    private static final String MEMORY = "64KiB";

    @TempDir
    Path spillDir;

    private ChildRelay startRelay(final Path log) throws Exception
    {
        return ChildRelay.start(log, List.of("-Xmx256m"), "--port", "0", "--strategy", "spill", "--memory", MEMORY,
            "--spill-dir", spillDir.toString());
    }

    @Test
    void durableBacklogSurvivesKillMinusNine() throws Exception
    {
        final long sent = 200_000;
        final OrderCheckingHandler handler = new OrderCheckingHandler();
        long nextBefore;
        try (ChildRelay relay = startRelay(Path.of("target", "spill-crash-1.log"));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)))
        {
            final Subscription subscription = client.subscribe("crash", "durable-crash");
            final Publication publication = client.publish("crash");
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
            for (long i = 0; i < sent; i++)
            {
                payload.putLong(0, i);
                while (publication.offer(payload, 0, PAYLOAD) < 0)
                {
                    LockSupport.parkNanos(10_000);
                }
            }
            // Wait until the relay acknowledged everything: it is then in the relay's tiers (most of it on disk).
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (publication.ackedSequence() < sent - 1)
            {
                assertTrue(System.nanoTime() < deadline, "relay acknowledged only " + publication.ackedSequence());
                LockSupport.parkNanos(100_000);
            }
            while (subscription.poll(handler, 10_000) > 0)
            {
                Thread.onSpinWait();
            }
            nextBefore = handler.received;
            relay.kill();
        }
        try (ChildRelay relay = startRelay(Path.of("target", "spill-crash-2.log"));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)))
        {
            final Subscription subscription = client.subscribe("crash", "durable-crash");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (handler.lastSequence() < sent - 1 && System.nanoTime() < deadline)
            {
                if (subscription.poll(handler, 10_000) == 0)
                {
                    LockSupport.parkNanos(100_000);
                }
            }
            assertEquals(sent - 1, handler.lastSequence(), handler.toString());
            assertEquals(0, handler.duplicates, handler.toString());
            assertTrue(handler.outOfOrder <= 1, "the loss must be one contiguous stretch: " + handler);
            final long lost = sent - handler.received;
            // Memory tier + hand-off + the spill thread's queues + what was on the wire (client ring, sockets).
            final long bound = (64 * 1024 + 256 * 1024 + 4 * 1024 * 1024 + 8 * 64 * 1024 + 2 * 1024 * 1024 +
                16 * 1024 * 1024) / (PAYLOAD + 32);
            assertTrue(lost <= bound, "lost " + lost + " > bound " + bound + "; received before the kill " + nextBefore);
        }
    }
}
