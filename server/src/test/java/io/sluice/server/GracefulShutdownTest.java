package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.lane.LaneSnapshot;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A graceful stop with a backlog in the relay. Without a disk tier: it stops reading publishers, lets the subscriber
 * drain everything within the grace period, and only then closes. With a durable disk tier: SIGTERM hands what the
 * relay has not put on the wire to disk, the subscriber reads what was on the wire up to the FIN, and a restarted
 * relay delivers the rest. Either way nothing the relay accepted is lost.
 */
class GracefulShutdownTest
{
    private static final int PAYLOAD = 64;

    @TempDir
    Path spillDir;

    @Test
    void subscribersDrainTheBacklogBeforeConnectionsClose() throws Exception
    {
        final Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2)
            .defaultStream(StreamConfig.DEFAULT.withStrategy(Strategy.BUFFER)).build());
        // A small receive buffer, so that the backlog waits in the relay and not in the kernel (which grows a socket's
        // buffers to megabytes and could take all of it); 50k messages (4.8 MB) fit the lane's 8 MiB memory tier.
        try (SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)
            .withReceiveBufferBytes(64 * 1024)))
        {
            final Subscription subscription = client.subscribe("graceful");
            final Publication publication = client.publish("graceful");
            // The subscriber does not poll yet: the backlog builds up in its ring, the sockets and the lane.
            final long sent = 50_000;
            Traffic.publishNumbered(publication, sent, PAYLOAD);
            Traffic.awaitAcked(publication, sent - 1);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // The backlog may sit in the lane's memory tier, which sluice_buffered_bytes leaves to the per-lane gauge.
            final long inLanes = relay.metrics().lanes().stream().mapToLong(LaneSnapshot::waitingMessages).sum();
            assertTrue(relay.metrics().bufferedBytes() > 0 || inLanes > 0, "no backlog in the relay to drain");

            // Stop with a generous grace period while the subscriber catches up.
            final CompletableFuture<Void> closed =
                CompletableFuture.runAsync(() -> relay.close(Duration.ofSeconds(60)));
            final OrderCheckingHandler handler = new OrderCheckingHandler();
            while (handler.received < sent)
            {
                if (subscription.poll(handler, 10_000) == 0)
                {
                    assertTrue(System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(60),
                        "only " + handler.received + " of " + sent + " arrived");
                    LockSupport.parkNanos(100_000);
                }
            }
            closed.get(60, TimeUnit.SECONDS);
            assertEquals(sent, handler.received, handler.toString());
            assertTrue(handler.clean(), handler.toString());
        }
        finally
        {
            relay.close();
        }
    }

    @Test
    @Tag("slow")
    void sigtermWithADiskTierLosesNothing() throws Exception
    {
        sigtermLosesNothing(200_000, "sigterm", "--memory", "64KiB");
    }

    /**
     * As above with a lane whose disk quota (1 MiB) fills at once, so that its hand-off (16 MiB, 1024 runs) holds
     * hundreds of acknowledged runs when SIGTERM comes: all of them go to disk (the hand-over used to hold 64 runs and
     * drop the rest, 164 messages in one of ten runs of this scenario).
     */
    @Test
    @Tag("slow")
    void sigtermWithAFullHandOffLosesNothing() throws Exception
    {
        final Path config = spillDir.resolveSibling(spillDir.getFileName() + "-relay.yaml");
        Files.writeString(config, String.join("\n",
            "default-stream:",
            "  strategy: spill",
            "  memory: 64KiB",
            "  lane-bytes: 16MiB",
            "  lane-runs: 1024",
            "  spill-quota: 1MiB",
            ""));
        sigtermLosesNothing(120_000, "sigterm-hand-off", "--config", config.toString());
    }

    private void sigtermLosesNothing(final long sent, final String stream, final String... relayArgs) throws Exception
    {
        final String name = "durable-" + stream;
        final OrderCheckingHandler handler = new OrderCheckingHandler();
        final long beforeRestart;
        final ChildRelay first = startSpillRelay(Path.of("target", stream + "-spill-1.log"), relayArgs);
        try (first; SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", first.port()).withIoThreads(2)))
        {
            final Subscription subscription = client.subscribe(stream, name);
            final Publication publication = client.publish(stream);
            // The subscriber does not poll: the backlog fills its ring, both sockets, the relay's memory tier and disk.
            Traffic.publishNumbered(publication, sent, PAYLOAD);
            Traffic.awaitAcked(publication, sent - 1);

            first.signalTerm();
            // Read what the relay put on the wire, up to its FIN; the relay waits for us to close our side.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!subscription.isDrained())
            {
                if (subscription.poll(handler, 10_000) == 0)
                {
                    assertTrue(System.nanoTime() < deadline, "old subscription not drained: " + handler +
                        ", connected " + subscription.isConnected());
                    LockSupport.parkNanos(100_000);
                }
            }
            assertEquals(0, first.awaitExit(60), "exit code; see " + first.log());
            beforeRestart = handler.received;
            assertTrue(handler.clean(), handler.toString());
            assertEquals(beforeRestart, handler.lastSequence() + 1, handler.toString());
        }
        final String log = Files.readString(first.log());
        assertTrue(Pattern.compile(
            "subscriber \\S+ closed on stream '" + stream + "' after \\S+ s: relay shutting down; " +
            sent + " messages in, " + beforeRestart + " out").matcher(log).find(),
            "no close line with " + beforeRestart + " out (received before the restart) in " + log);

        try (ChildRelay second = startSpillRelay(Path.of("target", stream + "-spill-2.log"), relayArgs);
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", second.port()).withIoThreads(2)))
        {
            final Subscription subscription = client.subscribe(stream, name);
            // What the restarted relay found on disk is exactly what the old subscription did not receive.
            final long waiting = second.awaitBacklogFrames(PAYLOAD + 32, 30);
            assertTrue(waiting > 0, "nothing went to disk; received " + beforeRestart + " before the restart");
            assertEquals(sent, beforeRestart + waiting, "received " + beforeRestart + " before the restart");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (handler.received < sent)
            {
                if (subscription.poll(handler, 10_000) == 0)
                {
                    assertTrue(System.nanoTime() < deadline, "after the restart: " + handler);
                    LockSupport.parkNanos(100_000);
                }
            }
            assertEquals(sent, handler.received, handler.toString());
            assertTrue(handler.clean(), handler.toString());
            assertEquals(0, handler.gaps, handler.toString());
            assertEquals(sent - 1, handler.lastSequence(), handler.toString());
        }
    }

    private ChildRelay startSpillRelay(final Path log, final String... relayArgs) throws Exception
    {
        final List<String> args = new ArrayList<>(List.of("--port", "0", "--strategy", "spill", "--spill-dir",
            spillDir.toString(), "--shutdown-grace", "30s"));
        args.addAll(List.of(relayArgs));
        return ChildRelay.start(log, List.of("-Xmx256m"), args.toArray(String[]::new));
    }
}
