package io.sluice.server;

import io.sluice.client.CallbackSubscription;
import io.sluice.client.ClientConfig;
import io.sluice.client.SluiceClient;
import io.sluice.server.config.RelayConfig;
import io.sluice.tools.ProduceCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sluice produce --producer-id} against a real relay: a connection cut mid-run with {@code --reconnect}, and
 * a second run with a higher epoch, each leave the subscriber with every message index once, in order, from one
 * source, the payload's index equal to the frame's sequence.
 */
class ProduceResendTest
{
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(120);

    @TempDir
    Path dir;

    /** One run of produce: its exit code and what it printed. */
    private record Run(int exit, String out, String err)
    {
        @Override
        public String toString()
        {
            return "exit " + exit + "\n" + out + err;
        }
    }

    private static Run produce(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = new CommandLine(new ProduceCommand()).setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void aConnectionCutMidRunIsReconnectedAndTheSubscriberGetsEveryIndexOnceInOrderFromOneSource() throws Exception
    {
        final Path json = dir.resolve("produce.json");
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build());
             CuttableProxy proxy = new CuttableProxy(relay.port());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final OneSourceCollector collector = new OneSourceCollector();
            try (CallbackSubscription subscription = client.subscribe("resend", collector))
            {
                // Paced so that the run lasts about 4 s and the cut falls inside it.
                final CompletableFuture<Run> run = CompletableFuture.supplyAsync(() -> produce("--stream", "resend",
                    "--port", Integer.toString(proxy.port()), "--producer-id", "5", "--count", "200000",
                    "--rate", "50000", "--reconnect", "--json", json.toString()));
                await(() -> collector.received, 50_000, collector, run);
                proxy.cutAll();
                final Run produced = run.get(WAIT_NANOS, TimeUnit.NANOSECONDS);
                assertEquals(0, produced.exit(), produced.toString());
                await(() -> collector.received, 200_000, collector, null);
                assertEquals(null, collector.fault);
                assertEquals(200_000, collector.expected);

                final Map<String, Object> summary = new Yaml().load(Files.readString(json));
                final long sent = ((Number)summary.get("sent")).longValue();
                final long resent = ((Number)summary.get("resent")).longValue();
                assertTrue(resent >= 0, summary.toString());
                // Every index 0..199,999 sent once, plus the resends of what the relay lacked after the cut.
                assertEquals(200_000, sent - resent, summary.toString());
                assertEquals(0L, ((Number)summary.get("firstSequence")).longValue());
                assertTrue(((Number)summary.get("reconnects")).longValue() >= 1, produced.toString());
                assertTrue(proxy.accepted() >= 2, produced.toString());
                assertTrue(produced.out().contains(" resent after "), produced.toString());
                assertTrue(subscription.isConnected());
            }
        }
    }

    @Test
    void aSecondRunWithAHigherEpochContinuesWhereTheFirstStopped() throws Exception
    {
        final Path json = dir.resolve("second.json");
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final OneSourceCollector collector = new OneSourceCollector();
            try (CallbackSubscription subscription = client.subscribe("epochs", collector))
            {
                final String port = Integer.toString(relay.port());
                final Run first = produce("--stream", "epochs", "--port", port, "--producer-id", "5", "--epoch", "0",
                    "--count", "1000");
                assertEquals(0, first.exit(), first.toString());
                final Run second = produce("--stream", "epochs", "--port", port, "--producer-id", "5", "--epoch", "1",
                    "--count", "1000", "--json", json.toString());
                assertEquals(0, second.exit(), second.toString());
                await(() -> collector.received, 2_000, collector, null);
                assertEquals(null, collector.fault);
                assertEquals(2_000, collector.expected);

                final Map<String, Object> summary = new Yaml().load(Files.readString(json));
                assertEquals(1_000L, ((Number)summary.get("firstSequence")).longValue(), summary.toString());
                assertEquals(1_000L, ((Number)summary.get("sent")).longValue(), summary.toString());
                assertEquals(0L, ((Number)summary.get("resent")).longValue(), summary.toString());
                assertEquals(1, ((Number)summary.get("epoch")).intValue(), summary.toString());
                assertTrue(subscription.isConnected());
            }
        }
    }

    private static void await(final LongSupplier count, final long target, final OneSourceCollector collector,
        final CompletableFuture<Run> run)
    {
        final long deadline = System.nanoTime() + WAIT_NANOS;
        while (count.getAsLong() < target)
        {
            assertEquals(null, collector.fault);
            if (run != null && run.isDone())
            {
                throw new AssertionError("produce ended before the subscriber had " + target + ": " + run.join());
            }
            assertTrue(System.nanoTime() < deadline, "the subscriber has " + count.getAsLong() + " of " + target);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
