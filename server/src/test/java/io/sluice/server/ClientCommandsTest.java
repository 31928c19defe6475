package io.sluice.server;

import io.sluice.client.cli.ConsumeCommand;
import io.sluice.client.cli.ProduceCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sluice produce} and {@code sluice consume} against a real relay: the auth token from a file.
 */
class ClientCommandsTest
{
    @TempDir
    Path dir;

    /** One run of a command: its exit code and what it printed. */
    private record Run(int exit, String out, String err)
    {
        @Override
        public String toString()
        {
            return "exit " + exit + "\n" + out + err;
        }
    }

    private static Run run(final Object command, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = new CommandLine(command).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
            .execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static CompletableFuture<Run> runAsync(final Object command, final String... args)
    {
        return CompletableFuture.supplyAsync(() -> run(command, args));
    }

    @Test
    void theRightTokenFileLetsTheToolsInAndAWrongOneExitsOneWithAuthFailed() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).authToken("s3cret").build()))
        {
            final String port = Integer.toString(relay.port());
            final String right = Files.writeString(dir.resolve("right"), "s3cret\n").toString();
            final String wrong = Files.writeString(dir.resolve("wrong"), "guess\n").toString();

            final CompletableFuture<Run> consume = runAsync(new ConsumeCommand(), "--stream", "auth", "--port", port,
                "--token-file", right, "--count", "100", "--idle-timeout", "30s");
            awaitSubscriber(relay);
            final Run produce = run(new ProduceCommand(), "--stream", "auth", "--port", port, "--token-file", right,
                "--count", "100");
            assertEquals(0, produce.exit(), produce.toString());
            final Run consumed = consume.get(60, TimeUnit.SECONDS);
            assertEquals(0, consumed.exit(), consumed.toString());
            assertTrue(consumed.out().contains("consumed 100 messages"), consumed.toString());

            for (final Object command : new Object[] {new ProduceCommand(), new ConsumeCommand()})
            {
                final Run refused = run(command, "--stream", "auth", "--port", port, "--token-file", wrong,
                    "--count", "1");
                assertEquals(1, refused.exit(), refused.toString());
                assertTrue(refused.err().contains("AUTH_FAILED"), refused.toString());
            }
        }
    }

    private static void awaitSubscriber(final Relay relay)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (relay.metrics().subscribers() == 0)
        {
            assertTrue(System.nanoTime() < deadline, "the consumer did not subscribe");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
