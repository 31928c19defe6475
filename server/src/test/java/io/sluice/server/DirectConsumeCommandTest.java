package io.sluice.server;

import io.sluice.server.config.RelayConfig;
import io.sluice.tools.ConsumeCommand;
import io.sluice.tools.ProduceCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.sluice.server.CommandRun.awaitSubscriber;
import static io.sluice.server.CommandRun.run;
import static io.sluice.server.CommandRun.runAsync;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sluice consume --direct} against a real relay: it receives through a direct subscription, whose poll on the
 * command's thread reads the socket, and behaves as the other ways of receiving do: everything once and in order,
 * paced by {@code --rate} without losing its connection between polls; a durable subscription name is its own; and
 * what a direct subscription cannot do is a bad command line that names the option ({@link CommandClientModesTest}
 * has what every mode does alike).
 */
class DirectConsumeCommandTest
{
    @TempDir
    Path dir;

    @Test
    void everyMessageArrivesOnceAndInOrder() throws Exception
    {
        final Path json = dir.resolve("consume.json");
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build()))
        {
            final String port = Integer.toString(relay.port());
            final CompletableFuture<CommandRun> consume = runAsync(new ConsumeCommand(), "--stream", "direct",
                "--port", port, "--direct", "--count", "50000", "--idle-timeout", "30s", "--json", json.toString());
            awaitSubscriber(relay, "direct");
            final CommandRun produced = run(new ProduceCommand(), "--stream", "direct", "--port", port, "--count",
                "50000");
            assertEquals(0, produced.exit(), produced.toString());

            final CommandRun consumed = consume.get(60, TimeUnit.SECONDS);
            consumed.assertConsumedOnceInOrder("direct", 50_000);
            assertTrue(consumed.out().contains("latency us: p50 "), consumed.toString());
            CommandRun.assertConsumedJson(json, 50_000);
        }
    }

    @Test
    void aPacedDirectConsumerGetsEverythingAndKeepsItsConnectionBetweenPolls() throws Exception
    {
        // At 0.4 a second the second message is due 2.5 s after the first, longer than this relay lets a subscriber
        // stay silent; the producer sends it only then, so it arrives only if the polls for nothing in between kept
        // the heartbeats going. The producer's, at the relay's interval too, keep its idle connection.
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).heartbeatIntervalMs(100)
            .heartbeatTimeoutMs(2_000).build()))
        {
            final String port = Integer.toString(relay.port());
            final CompletableFuture<CommandRun> consume = runAsync(new ConsumeCommand(), "--stream", "paced",
                "--port", port, "--direct", "--rate", "0.4", "--count", "2", "--idle-timeout", "30s");
            awaitSubscriber(relay, "paced");
            final CommandRun produced = run(new ProduceCommand(), "--stream", "paced", "--port", port, "--rate", "0.4",
                "--count", "2");
            assertEquals(0, produced.exit(), produced.toString());

            consume.get(60, TimeUnit.SECONDS).assertConsumedOnceInOrder("paced", 2);
        }
    }

    @Test
    void aDurableSubscriptionNameIsHeldByTheDirectConsumer() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build()))
        {
            final String port = Integer.toString(relay.port());
            final CompletableFuture<CommandRun> consume = runAsync(new ConsumeCommand(), "--stream", "durable",
                "--port", port, "--direct", "--subscription", "audit", "--count", "1000", "--idle-timeout", "30s");
            awaitSubscriber(relay, "durable");

            // The relay knows the name: a second consumer asking for it is refused while the direct one holds it.
            final CommandRun second = run(new ConsumeCommand(), "--stream", "durable", "--port", port,
                "--subscription", "audit", "--count", "1");
            assertEquals(1, second.exit(), second.toString());
            assertTrue(second.err().contains("SUBSCRIPTION_IN_USE"), second.toString());

            final CommandRun produced = run(new ProduceCommand(), "--stream", "durable", "--port", port, "--count",
                "1000");
            assertEquals(0, produced.exit(), produced.toString());
            final CommandRun consumed = consume.get(60, TimeUnit.SECONDS);
            assertEquals(0, consumed.exit(), consumed.toString());
            assertTrue(consumed.out().contains("consumed 1,000 messages"), consumed.toString());
            assertTrue(consumed.out().contains("outOfOrder 0, duplicates 0, gaps 0"), consumed.toString());
        }
    }

    @Test
    void whatADirectSubscriptionCannotDoIsABadCommandLineThatNamesTheOption() throws Exception
    {
        final String pem = Files.writeString(dir.resolve("empty.pem"), "").toString();
        // Each with why; no relay is needed: the command line is refused before any connection.
        final String[][] conflicts = {
            {"--poll", "event loop"},
            {"--ack", "no acknowledged delivery"},
            {"--window", "no acknowledged delivery", "100"},
            {"--window-bytes", "no acknowledged delivery", "1MiB"},
            {"--tls-trust", "plain TCP only", pem},
            {"--tls-cert", "plain TCP only", pem},
            {"--tls-key", "plain TCP only", pem}};
        for (final String[] conflict : conflicts)
        {
            final String option = conflict[0];
            final CommandRun refused = conflict.length == 2 ?
                run(new ConsumeCommand(), "--stream", "s", "--direct", option) :
                run(new ConsumeCommand(), "--stream", "s", "--direct", option, conflict[2]);
            assertEquals(2, refused.exit(), option + ": " + refused);
            assertTrue(refused.err().contains("--direct cannot be used with " + option + ": "), refused.toString());
            assertTrue(refused.err().contains(conflict[1]), refused.toString());
        }
    }
}
