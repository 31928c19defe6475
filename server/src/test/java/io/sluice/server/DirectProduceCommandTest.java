package io.sluice.server;

import io.sluice.server.config.RelayConfig;
import io.sluice.tools.ConsumeCommand;
import io.sluice.tools.ProduceCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.sluice.server.CommandRun.awaitSubscriber;
import static io.sluice.server.CommandRun.run;
import static io.sluice.server.CommandRun.runAsync;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sluice produce --direct} against a real relay, with {@code sluice consume} (the default path) receiving:
 * everything delivered once and in order and acknowledged, at full rate and paced slower than the relay's heartbeat
 * timeout, and the options a direct publication cannot go with refused as a bad command line ({@link
 * CommandClientModesTest} has what every mode does alike).
 */
class DirectProduceCommandTest
{
    @TempDir
    Path dir;

    @Test
    void atFullRateEveryMessageArrivesOnceInOrderAndIsAcknowledged() throws Exception
    {
        final Path json = dir.resolve("produce.json");
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build()))
        {
            final String port = Integer.toString(relay.port());
            for (final String keys : new String[] {"0", "7"})
            {
                final String stream = "direct-keys-" + keys;
                final CompletableFuture<CommandRun> consume = runAsync(new ConsumeCommand(), "--stream", stream,

                    "--port", port, "--count", "50000", "--idle-timeout", "30s");
                awaitSubscriber(relay, stream);
                final CommandRun produced = run(new ProduceCommand(), "--stream", stream, "--port", port, "--direct",
                    "--rate", "max", "--count", "50000", "--keys", keys, "--json", json.toString());
                produced.assertProducedAndAcknowledged(stream, 50_000, json);
                consume.get(60, TimeUnit.SECONDS).assertConsumedOnceInOrder(stream, 50_000);
            }
        }
    }

    @Test
    void aPacedRunSlowerThanTheRelaysHeartbeatTimeoutDeliversEveryMessage() throws Exception
    {
        // Two seconds between messages, twice the time the relay lets a silent peer live: the connection lives on
        // the heartbeats the wait's duty cycles send, and each message leaves before the wait that follows it.
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).heartbeatIntervalMs(100)
            .heartbeatTimeoutMs(1_000).build()))
        {
            final String port = Integer.toString(relay.port());
            final CompletableFuture<CommandRun> consume = runAsync(new ConsumeCommand(), "--stream", "paced",
                "--port", port,
                "--count", "3", "--idle-timeout", "30s");
            awaitSubscriber(relay, "paced");
            final CommandRun produced = run(new ProduceCommand(), "--stream", "paced", "--port", port, "--direct",
                "--rate",
                "0.5", "--count", "3", "--size", "100");
            assertEquals(0, produced.exit(), produced.toString());
            assertTrue(produced.out().contains("produced 3 messages of 100 bytes"), produced.toString());
            consume.get(60, TimeUnit.SECONDS).assertConsumedOnceInOrder("paced", 3);
        }
    }

    @Test
    void aSizeAboveTheRelaysLargestPayloadIsABadCommandLine() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).maxFrameLength(1_024).build()))
        {
            final CommandRun refused = run(new ProduceCommand(), "--stream", "big", "--port",
                Integer.toString(relay.port()),
                "--direct", "--count", "1", "--size", "2000");
            assertEquals(2, refused.exit(), refused.toString());
            assertTrue(refused.err().contains("--size 2000 exceeds the largest payload the relay takes, 992"),
                refused.toString());
        }
    }

    @Test
    void optionsADirectPublicationCannotGoWithAreABadCommandLineThatNamesThem()
    {
        final String[][] conflicts = {
            {"--offer"},
            {"--producer-id", "5"},
            {"--epoch", "0"},
            {"--reconnect"},
            {"--tls-trust", "ca.pem"},
            {"--tls-cert", "client.pem"},
            {"--tls-key", "client.key"}};
        for (final String[] conflict : conflicts)
        {
            final String[] args = new String[conflict.length + 5];
            args[0] = "--stream";
            args[1] = "demo";
            args[2] = "--count";
            args[3] = "1";
            args[4] = "--direct";
            System.arraycopy(conflict, 0, args, 5, conflict.length);
            final CommandRun refused = run(new ProduceCommand(), args);
            assertEquals(2, refused.exit(), refused.toString());
            final String option = conflict[0];
            final String why = "--offer".equals(option) ? "--direct and --offer cannot be used together" :
                option.startsWith("--tls") ? "--direct cannot be used with " + option + ": direct publications are "
                    + "plain TCP" :
                "--direct cannot be used with " + option + ": direct publications are anonymous";
            assertTrue(refused.err().contains(why), refused.toString());
        }
    }
}
