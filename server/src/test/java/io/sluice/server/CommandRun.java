package io.sluice.server;

import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /**
     * Waits (up to 60 s) until the relay has read {@code count} messages: a producer started with {@link #runAsync}
     * is then publishing.
     *
     * @param relay the relay.
     * @param count how many messages in.
     */
    static void awaitMessagesIn(final Relay relay, final long count)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (relay.metrics().messagesIn() < count)
        {
            assertTrue(System.nanoTime() < deadline, "nothing flows");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /**
     * @return the event loop threads of clients alive now: a command whose client is in the invoker mode
     * ({@code --invoker}) starts none, and one with event loop threads has started one once it connected.
     */
    static Set<Thread> clientEventLoopThreads()
    {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("sluice-client-"))
            .collect(Collectors.toCollection(HashSet::new));
    }

    /**
     * @param before what {@link #clientEventLoopThreads()} returned earlier.
     * @return the client event loop threads alive now that were not then.
     */
    static Set<Thread> clientEventLoopThreadsStartedSince(final Set<Thread> before)
    {
        final Set<Thread> started = clientEventLoopThreads();
        started.removeAll(before);
        return started;
    }

    /**
     * Asserts that the run ended with its connection lost, as the commands report it: exit code 1, the summary's line,
     * and the JSON's fields.
     *
     * @param json the file the run wrote with {@code --json}.
     * @throws IOException when the JSON cannot be read.
     */
    void assertConnectionLost(final Path json) throws IOException
    {
        assertEquals(1, exit, toString());
        assertTrue(out.contains("  connection lost: "), toString());
        final String text = Files.readString(json);
        assertTrue(text.contains("\"connectionLost\":true"), text);
        assertTrue(text.contains("\"error\":\"connection lost: "), text);
    }

    @Override
    public String toString()
    {
        return "exit " + exit + "\n" + out + err;
    }
}
