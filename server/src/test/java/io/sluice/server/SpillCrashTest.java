package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A relay killed with SIGKILL while a durable subscriber's backlog sits on disk: a new relay on the same spill
 * directory delivers that backlog, in order, when the subscriber reconnects under the same name. Only what sat in
 * memory (the memory tier, the hand-offs, buffers on the wire) may be missing, within a stated bound.
 */
@Tag("slow")
class SpillCrashTest
{
    private static final int PAYLOAD = 64;
    private static final int FRAME = PAYLOAD + 32;
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
        final long nextBefore;
        try (ChildRelay relay = startRelay(Path.of("target", "spill-crash-1.log"));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)))
        {
            final Subscription subscription = client.subscribe("crash", "durable-crash");
            final Publication publication = client.publish("crash");
            Traffic.publishNumbered(publication, sent, PAYLOAD);
            // Wait until the relay acknowledged everything: it is then in the relay's tiers (most of it on disk).
            Traffic.awaitAcked(publication, sent - 1);
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
            // The new relay says how many messages it found on disk; all of them must arrive.
            final long waiting = relay.awaitBacklogFrames(FRAME, 30);
            assertTrue(waiting > 0, "nothing survived on disk");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (handler.received < nextBefore + waiting && System.nanoTime() < deadline)
            {
                if (subscription.poll(handler, 10_000) == 0)
                {
                    LockSupport.parkNanos(100_000);
                }
            }
            assertEquals(nextBefore + waiting, handler.received, handler.toString());
            assertEquals(0, handler.duplicates, handler.toString());
            // In order: what is missing is what sat in memory (older than the disk backlog: the wire, restored
            // chunks, the memory tier) or in the hand-overs (newer: the hand-off and the spill thread's queue).
            assertTrue(handler.outOfOrder <= 1, handler.toString());
            final long lost = sent - handler.received;
            // Memory tier + hand-off + the spill thread's queues + what was on the wire (client ring, sockets).
            final long bound = (64 * 1024 + 256 * 1024 + 4 * 1024 * 1024 + 8 * 64 * 1024 + 2 * 1024 * 1024 +
                16 * 1024 * 1024) / (PAYLOAD + 32);
            assertTrue(lost <= bound,
                "lost " + lost + " > bound " + bound + "; received before the kill " + nextBefore);
        }
    }
}
