package io.sluice.server;

import io.sluice.server.config.RelayConfig;
import io.sluice.tools.ConsumeCommand;
import io.sluice.tools.ProduceCommand;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.sluice.server.CommandRun.awaitMessagesIn;
import static io.sluice.server.CommandRun.awaitSubscriber;
import static io.sluice.server.CommandRun.run;
import static io.sluice.server.CommandRun.runAsync;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code sluice produce} and {@code consume} do alike in each way of running the client (its event loops by
 * default, {@code --direct}, {@code --invoker}), against a real relay: a paced run delivers every message once in
 * order, and a connection lost to a stopping relay is exit code 1, said in the text and in the JSON. What a mode does
 * of its own is in {@link DirectProduceCommandTest}, {@link InvokerProduceCommandTest} and their consume twins.
 */
class CommandClientModesTest
{
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"default", "--direct", "--invoker"})
    void aPacedRunDeliversEveryMessage(final String mode) throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build()))
        {
            final String port = Integer.toString(relay.port());
            final CompletableFuture<CommandRun> consume = runAsync(new ConsumeCommand(),
                with(mode, "--stream", "paced", "--port", port, "--count", "2000", "--idle-timeout", "30s"));
            awaitSubscriber(relay, "paced");
            final CommandRun produced = run(new ProduceCommand(),
                with(mode, "--stream", "paced", "--port", port, "--rate", "5000", "--count", "2000"));
            assertEquals(0, produced.exit(), produced.toString());
            assertTrue(produced.out().contains("produced 2,000 messages"), produced.toString());
            consume.get(60, TimeUnit.SECONDS).assertConsumedOnceInOrder("paced", 2_000);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"default", "--direct", "--invoker"})
    void aLostConnectionIsExitOneAndSaidInTheTextAndTheJson(final String mode) throws Exception
    {
        final Path produceJson = dir.resolve("produce.json");
        final CompletableFuture<CommandRun> produce;
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build()))
        {
            produce = runAsync(new ProduceCommand(), with(mode, "--stream", "lost", "--port",
                Integer.toString(relay.port()), "--rate", "20000", "--duration", "120s", "--json",
                produceJson.toString()));
            awaitMessagesIn(relay, 1_000);
        }
        final CommandRun produced = produce.get(60, TimeUnit.SECONDS);
        produced.assertConnectionLost(produceJson);
        assertTrue(produced.err().contains("produce: connection lost: "), produced.toString());

        final Path consumeJson = dir.resolve("consume.json");
        final CommandRun consumed = CommandRun.consumeWhileTheRelayStops(consumeJson, with(mode));
        consumed.assertConnectionLost(consumeJson);
        assertTrue(consumed.err().contains("consume: connection lost: "), consumed.toString());
    }

    // The command's arguments, with the mode's option first unless it is the default.
    private static String[] with(final String mode, final String... args)
    {
        if ("default".equals(mode))
        {
            return args;
        }
        final String[] all = new String[args.length + 1];
        all[0] = mode;
        System.arraycopy(args, 0, all, 1, args.length);
        return all;
    }
}
