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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.sluice.server.CommandRun.awaitSubscriber;
import static io.sluice.server.CommandRun.run;
import static io.sluice.server.CommandRun.runAsync;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sluice produce} and {@code sluice consume} against a real relay: the auth token from a file, and each
 * publishing and receiving path (claims and a handler on the event loop by default, {@code --offer} and
 * {@code --poll} to compare) carrying everything in order ({@link CommandClientModesTest} has the paced run and the
 * lost connection, in every mode).
 */
class ClientCommandsTest
{
    @TempDir
    Path dir;

    @Test
    void theRightTokenFileLetsTheToolsInAndAWrongOneExitsOneWithAuthFailed() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).authToken("s3cret").build()))
        {
            final String port = Integer.toString(relay.port());
            final String right = Files.writeString(dir.resolve("right"), "s3cret\n").toString();
            final String wrong = Files.writeString(dir.resolve("wrong"), "guess\n").toString();

            final CompletableFuture<CommandRun> consume = runAsync(new ConsumeCommand(), "--stream", "auth",
                "--port", port,
                "--token-file", right, "--count", "100", "--idle-timeout", "30s");
            awaitAnySubscriber(relay);
            final CommandRun produce = run(new ProduceCommand(), "--stream", "auth", "--port", port,
                "--token-file", right,
                "--count", "100");
            assertEquals(0, produce.exit(), produce.toString());
            final CommandRun consumed = consume.get(60, TimeUnit.SECONDS);
            assertEquals(0, consumed.exit(), consumed.toString());
            assertTrue(consumed.out().contains("consumed 100 messages"), consumed.toString());

            for (final Object command : new Object[] {new ProduceCommand(), new ConsumeCommand()})
            {
                final CommandRun refused = run(command, "--stream", "auth", "--port", port, "--token-file", wrong,
                    "--count", "1");
                assertEquals(1, refused.exit(), refused.toString());
                assertTrue(refused.err().contains("AUTH_FAILED"), refused.toString());
            }
        }
    }

    @Test
    void theFastPathsByDefaultAndTheOldOnesToCompareCarryEverythingInOrder() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build()))
        {
            final String port = Integer.toString(relay.port());
            // Default: claims in an exclusive publication, a handler on the event loop; then each old path in turn.
            final String[][] produceAndConsumeOptions = {{"", ""}, {"--offer", ""}, {"", "--poll"}};
            for (int i = 0; i < produceAndConsumeOptions.length; i++)
            {
                final String stream = "paths-" + i;
                final CompletableFuture<CommandRun> consume = runAsync(new ConsumeCommand(), withOption(
                    produceAndConsumeOptions[i][1], "--stream", stream, "--port", port, "--count", "50000",
                    "--idle-timeout", "30s"));
                awaitSubscriber(relay, stream);
                final CommandRun produced = run(new ProduceCommand(), withOption(produceAndConsumeOptions[i][0],
                    "--stream", stream, "--port", port, "--count", "50000", "--keys", "7"));
                assertEquals(0, produced.exit(), produced.toString());
                assertTrue(produced.out().contains("produced 50,000 messages"), produced.toString());
                consume.get(60, TimeUnit.SECONDS).assertConsumedOnceInOrder(stream, 50_000);
            }
        }
    }

    @Test
    void consumeWithAckResumesADurableSubscriptionWhereItsAcknowledgementsEnded() throws Exception
    {
        final Path second = dir.resolve("second.json");
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).spillDirectory(dir.resolve("spill"))
            .defaultStream(StreamConfig.DEFAULT.withStrategy(Strategy.SPILL)).build()))
        {
            final String port = Integer.toString(relay.port());
            final CompletableFuture<CommandRun> consume = runAsync(new ConsumeCommand(), "--stream", "acked",
                "--port", port,
                "--subscription", "audit", "--ack", "--window", "1000", "--count", "30000", "--idle-timeout", "30s");
            awaitSubscriber(relay, "acked");
            final CommandRun produced = run(new ProduceCommand(), "--stream", "acked", "--port", port, "--count",
                "50000");
            assertEquals(0, produced.exit(), produced.toString());
            final CommandRun first = consume.get(60, TimeUnit.SECONDS);
            assertEquals(0, first.exit(), first.toString());
            assertTrue(first.out().contains("acknowledged positions 1..30000, redelivered 0"), first.toString());

            // What it counted it acknowledged; the rest waited on disk for it, what it was sent beyond that included.
            final CommandRun resumed = run(new ConsumeCommand(), "--stream", "acked", "--port", port, "--subscription",
                "audit", "--ack", "--count", "20000", "--idle-timeout", "30s", "--json", second.toString());
            assertEquals(0, resumed.exit(), resumed.toString());
            assertTrue(resumed.out().contains("consumed 20,000 messages"), resumed.toString());
            assertTrue(resumed.out().contains("outOfOrder 0, duplicates 0"), resumed.toString());
            final String json = Files.readString(second);
            assertTrue(json.contains("\"firstPosition\":30001"), json);
            assertTrue(json.contains("\"lastPosition\":50000"), json);
            assertTrue(json.contains("\"redelivered\":"), json);
        }
    }

    private static String[] withOption(final String option, final String... args)
    {
        if (option.isEmpty())
        {
            return args;
        }
        final String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = option;
        return all;
    }

    private static void awaitAnySubscriber(final Relay relay)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (relay.metrics().subscribers() == 0)
        {
            assertTrue(System.nanoTime() < deadline, "the consumer did not subscribe");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
