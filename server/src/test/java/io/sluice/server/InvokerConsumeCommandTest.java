package io.sluice.server;

import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.config.Strategy;
import io.sluice.tools.ConsumeCommand;
import io.sluice.tools.ProduceCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.sluice.server.CommandRun.awaitMessagesIn;
import static io.sluice.server.CommandRun.awaitSubscriber;
import static io.sluice.server.CommandRun.clientEventLoopThreads;
import static io.sluice.server.CommandRun.clientEventLoopThreadsStartedSince;
import static io.sluice.server.CommandRun.run;
import static io.sluice.server.CommandRun.runAsync;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sluice consume --invoker} against a real relay: a client with no event loop thread, whose I/O the command's
 * thread runs each time it takes messages. Everything once and in order through a handler and through
 * {@code --poll}, paced by {@code --rate} without losing the connection between takes, and acknowledged delivery
 * that a durable subscription resumes from ({@link CommandClientModesTest} has what every mode does alike).
 */
class InvokerConsumeCommandTest
{
    @TempDir
    Path dir;

    @Test
    void everyMessageArrivesOnceAndInOrderThroughAHandlerAndThroughPolls() throws Exception
    {
        final Path json = dir.resolve("consume.json");
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build()))
        {
            final String port = Integer.toString(relay.port());
            // The handler by default, then --poll.
            for (final String way : new String[] {"handler", "poll"})
            {
                final String stream = "invoker-" + way;
                final String[] args = {"--stream", stream, "--port", port, "--invoker", "--count", "50000",
                    "--idle-timeout", "30s", "--json", json.toString(), "--poll"};
                final CompletableFuture<CommandRun> consume = runAsync(new ConsumeCommand(),
                    "poll".equals(way) ? args : Arrays.copyOf(args, args.length - 1));
                awaitSubscriber(relay, stream);
                final CommandRun produced = run(new ProduceCommand(), "--stream", stream, "--port", port, "--count",
                    "50000", "--keys", "7");
                assertEquals(0, produced.exit(), produced.toString());

                consume.get(60, TimeUnit.SECONDS).assertConsumedOnceInOrder(stream, 50_000);
                CommandRun.assertConsumedJson(json, 50_000);
            }
        }
    }

    @Test
    void aPacedConsumerKeepsItsConnectionBetweenTakes() throws Exception
    {
        // At 0.4 a second the second message is due 2.5 s after the first, longer than this relay lets a subscriber
        // stay silent; the producer sends it only then, so it arrives only if the duty cycles the paced loop runs
        // while it waits kept the heartbeats going. The producer is invoked too, and its pacing waits keep its own.
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).heartbeatIntervalMs(100)
            .heartbeatTimeoutMs(2_000).build()))
        {
            final String port = Integer.toString(relay.port());
            final Set<Thread> before = clientEventLoopThreads();
            final CompletableFuture<CommandRun> consume = runAsync(new ConsumeCommand(), "--stream", "paced",
                "--port", port, "--invoker", "--rate", "0.4", "--count", "2", "--idle-timeout", "30s");
            awaitSubscriber(relay, "paced");
            final CompletableFuture<CommandRun> produce = runAsync(new ProduceCommand(), "--stream", "paced", "--port",
                port, "--invoker", "--rate", "0.4", "--count", "2");
            awaitMessagesIn(relay, 1);
            // Both connected, and neither with a thread of its client's: their own threads run their I/O.
            assertEquals(Set.of(), clientEventLoopThreadsStartedSince(before));
            final CommandRun produced = produce.get(60, TimeUnit.SECONDS);
            assertEquals(0, produced.exit(), produced.toString());

            consume.get(60, TimeUnit.SECONDS).assertConsumedOnceInOrder("paced", 2);
        }
    }

    @Test
    void withAckADurableSubscriptionResumesWhereItsAcknowledgementsEnded() throws Exception
    {
        final Path second = dir.resolve("second.json");
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).spillDirectory(dir.resolve("spill"))
            .defaultStream(StreamConfig.DEFAULT.withStrategy(Strategy.SPILL)).build()))
        {
            final String port = Integer.toString(relay.port());
            // A window of 1,000 holds the relay back until this thread's acknowledgements go out.
            final CompletableFuture<CommandRun> consume = runAsync(new ConsumeCommand(), "--stream", "acked",
                "--port", port, "--invoker", "--subscription", "audit", "--ack", "--window", "1000", "--count",
                "30000", "--idle-timeout", "30s");
            awaitSubscriber(relay, "acked");
            final CommandRun produced = run(new ProduceCommand(), "--stream", "acked", "--port", port, "--invoker",
                "--count", "50000");
            assertEquals(0, produced.exit(), produced.toString());
            final CommandRun first = consume.get(60, TimeUnit.SECONDS);
            assertEquals(0, first.exit(), first.toString());
            assertTrue(first.out().contains("acknowledged positions 1..30000, redelivered 0"), first.toString());

            // What it counted it acknowledged, the last ones with its goodbye; the rest waited on disk for it.
            final CommandRun resumed = run(new ConsumeCommand(), "--stream", "acked", "--port", port, "--invoker",
                "--poll", "--subscription", "audit", "--ack", "--count", "20000", "--idle-timeout", "30s", "--json",
                second.toString());
            assertEquals(0, resumed.exit(), resumed.toString());
            assertTrue(resumed.out().contains("consumed 20,000 messages"), resumed.toString());
            assertTrue(resumed.out().contains("outOfOrder 0, duplicates 0"), resumed.toString());
            final String json = Files.readString(second);
            assertTrue(json.contains("\"firstPosition\":30001"), json);
            assertTrue(json.contains("\"lastPosition\":50000"), json);
        }
    }
}
