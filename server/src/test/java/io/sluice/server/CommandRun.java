package io.sluice.server;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One run of a sluice command in this JVM, through picocli with out and err of its own: its exit code and what it
 * printed. For the tests that run {@code produce} and {@code consume} against a real relay.
 *
 * @param exit the exit code.
 * @param out what it printed on stdout.
 * @param err what it printed on stderr.
 */
record CommandRun(int exit, String out, String err)
{
    /**
     * @param command a new command object, such as {@code new ConsumeCommand()}.
     * @param args its command line.
     * @return the finished run.
     */
    static CommandRun run(final Object command, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = new CommandLine(command).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
            .execute(args);
        return new CommandRun(exit, out.toString(), err.toString());
    }

    /**
     * @param command a new command object.
     * @param args its command line.
     * @return the run, on another thread.
     */
    static CompletableFuture<CommandRun> runAsync(final Object command, final String... args)
    {
        return CompletableFuture.supplyAsync(() -> run(command, args));
    }

    /**
     * Waits (up to 60 s) until the relay counts a subscriber of {@code stream}: a consumer started with
     * {@link #runAsync} is then sure to receive what is produced after.
     *
     * @param relay the relay.
     * @param stream the stream's name.
     */
    static void awaitSubscriber(final Relay relay, final String stream)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (relay.metrics().streams().stream().noneMatch(s -> s.name().equals(stream) && s.subscribers() > 0))
        {
            assertTrue(System.nanoTime() < deadline, "the consumer did not subscribe to " + stream);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    @Override
    public String toString()
    {
        return "exit " + exit + "\n" + out + err;
    }
}
