package io.sluice.server;

import io.sluice.client.CallbackSubscription;
import io.sluice.client.ClientConfig;
import io.sluice.client.SluiceClient;
import io.sluice.core.tls.TlsProvider;
import io.sluice.server.config.RelayConfig;
import io.sluice.tools.ConsumeCommand;
import io.sluice.tools.ProduceCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.sluice.server.CommandRun.awaitMessagesIn;
import static io.sluice.server.CommandRun.awaitSubscriber;
import static io.sluice.server.CommandRun.clientEventLoopThreads;
import static io.sluice.server.CommandRun.clientEventLoopThreadsStartedSince;
import static io.sluice.server.CommandRun.run;
import static io.sluice.server.CommandRun.runAsync;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sluice produce --invoker} against a real relay: a client with no event loop thread, whose I/O the command's
 * thread runs. Everything delivered once and in order and acknowledged, claimed or offered, at full rate and paced
 * slower than the relay's heartbeat timeout (which only the pacing wait's duty cycles outlive), over TLS, an
 * identified producer reconnected after a cut, and {@code --invoker} with {@code --direct} a bad command line
 * ({@link CommandClientModesTest} has what every mode does alike).
 */
class InvokerProduceCommandTest
{
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    @TempDir
    Path dir;

    @Test
    void atFullRateEveryMessageArrivesOnceInOrderAndIsAcknowledged() throws Exception
    {
        final Path json = dir.resolve("produce.json");
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build()))
        {
            final String port = Integer.toString(relay.port());
            // Unkeyed and keyed claims, then keyed offers to the shared publication.
            final String[][] keysAndPublication = {{"0", "claim"}, {"7", "claim"}, {"7", "offer"}};
            for (final String[] run : keysAndPublication)
            {
                final String stream = "invoker-keys-" + run[0] + "-" + run[1];
                final CompletableFuture<CommandRun> consume = runAsync(new ConsumeCommand(), "--stream", stream,
                    "--port", port, "--count", "50000", "--idle-timeout", "30s");
                awaitSubscriber(relay, stream);
                final String[] args = {"--stream", stream, "--port", port, "--invoker", "--count", "50000", "--keys",
                    run[0], "--json", json.toString(), "--offer"};
                final CommandRun produced = run(new ProduceCommand(),
                    "offer".equals(run[1]) ? args : Arrays.copyOf(args, args.length - 1));
                produced.assertProducedAndAcknowledged(stream, 50_000, json);
                consume.get(60, TimeUnit.SECONDS).assertConsumedOnceInOrder(stream, 50_000);
            }
        }
    }

    @Test
    void aPacedRunSlowerThanTheRelaysHeartbeatTimeoutKeepsItsConnection() throws Exception
    {
        // Two seconds between messages, twice the time the relay lets a silent peer live: the invoked client sends its
        // heartbeats only in the duty cycles the pacing wait runs, and each message leaves before the wait after it.
        // The consumer is invoked too: its paced loop's waits keep its connection the same way.
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).heartbeatIntervalMs(100)
            .heartbeatTimeoutMs(1_000).build()))
        {
            final String port = Integer.toString(relay.port());
            final Set<Thread> before = clientEventLoopThreads();
            final CompletableFuture<CommandRun> consume = runAsync(new ConsumeCommand(), "--stream", "slow",
                "--port", port, "--invoker", "--count", "3", "--idle-timeout", "30s");
            awaitSubscriber(relay, "slow");
            final CompletableFuture<CommandRun> produce = runAsync(new ProduceCommand(), "--stream", "slow", "--port",
                port, "--invoker", "--rate", "0.5", "--count", "3", "--size", "100");
            awaitMessagesIn(relay, 1);
            // Both connected, and neither with a thread of its client's: their own threads run their I/O.
            assertEquals(Set.of(), clientEventLoopThreadsStartedSince(before));
            final CommandRun produced = produce.get(60, TimeUnit.SECONDS);
            assertEquals(0, produced.exit(), produced.toString());
            assertTrue(produced.out().contains("produced 3 messages of 100 bytes"), produced.toString());
            consume.get(60, TimeUnit.SECONDS).assertConsumedOnceInOrder("slow", 3);
        }
    }

    @Test
    void overTlsEveryMessageArrivesOnceInOrderAtAnInvokedConsumer() throws Exception
    {
        final TestTls tls = TestTls.get();
        try (Relay relay = Relay.start(tls.on(RelayConfig.builder().port(0), TlsProvider.JDK).build()))
        {
            final String port = Integer.toString(relay.port());
            final String trust = tls.caFile.toString();
            final CompletableFuture<CommandRun> consume = runAsync(new ConsumeCommand(), "--stream", "tls",
                "--port", port, "--tls-trust", trust, "--invoker", "--count", "20000", "--idle-timeout", "30s");
            awaitSubscriber(relay, "tls");
            final CommandRun produced = run(new ProduceCommand(), "--stream", "tls", "--port", port, "--tls-trust",
                trust, "--invoker", "--count", "20000", "--keys", "7");
            assertEquals(0, produced.exit(), produced.toString());
            assertTrue(produced.out().contains("produced 20,000 messages"), produced.toString());
            final CommandRun consumed = consume.get(60, TimeUnit.SECONDS);
            assertEquals(0, consumed.exit(), consumed.toString());
            assertTrue(consumed.out().contains("consumed 20,000 messages from 'tls' (1 source)"),
                consumed.toString());
            assertTrue(consumed.out().contains("outOfOrder 0, duplicates 0, gaps 0"), consumed.toString());
        }
    }

    @Test
    void anIdentifiedProducerCutMidRunReconnectsAndTheSubscriberGetsEveryIndexOnceInOrder() throws Exception
    {
        final Path json = dir.resolve("produce.json");
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build());
             CuttableProxy proxy = new CuttableProxy(relay.port());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final OneSourceCollector collector = new OneSourceCollector();
            try (CallbackSubscription subscription = client.subscribe("resend", collector))
            {
                // Paced so that the run lasts about 2 s and the cut falls inside it.
                final CompletableFuture<CommandRun> produce = runAsync(new ProduceCommand(), "--stream", "resend",
                    "--port", Integer.toString(proxy.port()), "--invoker", "--producer-id", "5", "--count", "100000",
                    "--rate", "50000", "--reconnect", "--json", json.toString());
                await(collector, 25_000, produce);
                proxy.cutAll();
                final CommandRun produced = produce.get(60, TimeUnit.SECONDS);
                assertEquals(0, produced.exit(), produced.toString());
                await(collector, 100_000, null);
                assertNull(collector.fault);
                assertEquals(100_000, collector.expected);
                assertEquals(100_000, collector.received, "each index once");

                final Map<String, Object> summary = new Yaml().load(Files.readString(json));
                final long sent = ((Number)summary.get("sent")).longValue();
                final long resent = ((Number)summary.get("resent")).longValue();
                assertEquals(100_000, sent - resent, summary.toString());
                assertEquals(100_000L, ((Number)summary.get("acknowledged")).longValue(), summary.toString());
                assertTrue(((Number)summary.get("reconnects")).longValue() >= 1, produced.toString());
                assertTrue(proxy.accepted() >= 2, produced.toString());
                assertTrue(subscription.isConnected());
            }
        }
    }

    @Test
    void invokerWithDirectIsABadCommandLineThatNamesBoth()
    {
        // No relay is needed: the command line is refused before any connection.
        final CommandRun produce = run(new ProduceCommand(), "--stream", "s", "--count", "1", "--invoker", "--direct");
        final CommandRun consume = run(new ConsumeCommand(), "--stream", "s", "--count", "1", "--direct", "--invoker");
        for (final CommandRun refused : new CommandRun[] {produce, consume})
        {
            assertEquals(2, refused.exit(), refused.toString());
            assertTrue(refused.err().contains("--direct cannot be used with --invoker: "), refused.toString());
        }
    }

    private static void await(final OneSourceCollector collector, final long target,
        final CompletableFuture<CommandRun> run)
    {
        final long deadline = System.nanoTime() + WAIT_NANOS;
        while (collector.received < target)
        {
            assertNull(collector.fault);
            if (run != null && run.isDone())
            {
                throw new AssertionError("produce ended before the subscriber had " + target + ": " + run.join());
            }
            assertTrue(System.nanoTime() < deadline, "the subscriber has " + collector.received + " of " + target);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
