package io.sluice.server;

import io.sluice.client.CallbackSubscription;
import io.sluice.client.ClientConfig;
import io.sluice.client.SluiceClient;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.lane.LaneSnapshot;
import io.sluice.tools.ProduceCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code sluice produce --producer-id} killed with SIGKILL mid-stream and started again with the same producer id and
 * a higher epoch, as a supervisor restarts a crashed producer: the second process numbers its messages from the
 * sequence the relay's WELCOME gives, which follows the last message the relay took from the first, and the
 * subscriber sees every message index once, in order, from one source, with no gap.
 */
@EnabledOnOs(OS.LINUX)
class KilledPublisherProcessTest
{
    private static final String STREAM = "orders";
    private static final String PRODUCER_ID = "9";
    private static final long WAIT_SECONDS = 120;

    @TempDir
    Path dir;

    @Test
    void aPublisherKilledMidStreamAndRestartedWithAHigherEpochContinuesWhereTheRelayStopped() throws Exception
    {
        final long firstCount = 2_000_000;
        final long secondCount = 300_000;
        final Path json = dir.resolve("second.json");
        // A generous hello timeout: a child JVM starting on a loaded machine may take seconds to send its HELLO.
        final RelayConfig config = RelayConfig.builder().port(0).ioThreads(2).helloTimeoutMs(60_000).build();
        try (Relay relay = Relay.start(config);
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final OneSourceCollector collector = new OneSourceCollector();
            try (CallbackSubscription subscription = client.subscribe(STREAM, collector))
            {
                final String port = Integer.toString(relay.port());
                try (ChildJvm first = ChildJvm.start(ProduceProcess.class, "--stream", STREAM, "--port", port,
                    "--producer-id", PRODUCER_ID, "--epoch", "0", "--count", Long.toString(firstCount),
                    "--rate", "200000", "--connect-timeout", "60s"))
                {
                    await(() -> collector.received >= 200_000 || !first.isAlive(), collector, "the first run sends");
                    assertTrue(first.isAlive(), "the first run ended before the kill");
                    assertEquals(137, first.kill(), "killed by SIGKILL");
                }
                // Once the relay has let the dead connection go, what its lane took from it reaches the subscriber.
                // (The stream's messages-in may count more: what the relay had read and not yet delivered to the lane
                // when the connection died, which was never acknowledged to the publisher.)
                await(() -> relay.metrics().publishers() == 0, collector, "the relay let the killed publisher go");
                await(() ->
                {
                    final LaneSnapshot lane = relay.metrics().lanes().get(0);
                    return lane.waitingMessages() == 0 && collector.received == lane.messagesOut();
                }, collector, "the subscriber has what its lane took");
                final long taken = collector.received;
                assertTrue(taken < firstCount, "killed mid-stream: " + taken);

                try (ChildJvm second = ChildJvm.start(ProduceProcess.class, "--stream", STREAM, "--port", port,
                    "--producer-id", PRODUCER_ID, "--epoch", "1", "--count", Long.toString(secondCount),
                    "--connect-timeout", "60s", "--json", json.toString()))
                {
                    assertEquals(0, second.awaitExit(WAIT_SECONDS), "the second run");
                }
                await(() -> collector.received >= taken + secondCount, collector, "the second run's messages arrive");
                assertNull(collector.fault);
                assertEquals(taken + secondCount, collector.received);
                assertEquals(taken + secondCount, collector.expected);
                assertTrue(subscription.isConnected());

                final Map<String, Object> summary = new Yaml().load(Files.readString(json));
                assertEquals(taken, ((Number)summary.get("firstSequence")).longValue(),
                    "the second run starts after the last message the relay took from the first: " + summary);
                assertEquals(1, ((Number)summary.get("epoch")).intValue(), summary.toString());
                assertEquals(secondCount, ((Number)summary.get("sent")).longValue(), summary.toString());
                assertEquals(0L, ((Number)summary.get("resent")).longValue(), summary.toString());
            }
        }
    }

    private static void await(final BooleanSupplier condition, final OneSourceCollector collector, final String what)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean())
        {
            assertNull(collector.fault);
            if (System.nanoTime() - deadline > 0)
            {
                fail("not within " + WAIT_SECONDS + " s: " + what + " (received " + collector.received + ")");
            }
            Thread.sleep(5);
        }
    }

    /** {@code sluice produce} in a JVM of its own. */
    static final class ProduceProcess
    {
        private ProduceProcess()
        {
        }

        public static void main(final String[] args)
        {
            System.exit(new CommandLine(new ProduceCommand()).execute(args));
        }
    }
}
