package io.sluice.server;

import io.sluice.server.config.RelayConfig;
import io.sluice.tools.ConsumeCommand;
import io.sluice.tools.ProduceCommand;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
     * Runs {@code consume} (with {@code options}) on stream {@code lost} of a relay that stops under it while a
     * {@code produce} at 20,000 msg/s feeds it; the producer's run must end with exit code 1.
     *
     * @param json the file the consume run writes with {@code --json}.
     * @param options the consume run's options beside the stream, the port, the idle timeout and the JSON.
     * @return the consume run, once finished.
     * @throws Exception when a run does not finish within a minute.
     */
    static CommandRun consumeWhileTheRelayStops(final Path json, final String... options) throws Exception
    {
        final CompletableFuture<CommandRun> consume;
        final CompletableFuture<CommandRun> produce;
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build()))
        {
            final String port = Integer.toString(relay.port());
            final String[] args = {"--stream", "lost", "--port", port, "--idle-timeout", "60s", "--json",
                json.toString()};
            final String[] all = Arrays.copyOf(args, args.length + options.length);
            System.arraycopy(options, 0, all, args.length, options.length);
            consume = runAsync(new ConsumeCommand(), all);
            awaitSubscriber(relay, "lost");
            produce = runAsync(new ProduceCommand(), "--stream", "lost", "--port", port, "--rate",
                "20000", "--duration", "120s");
            awaitMessagesIn(relay, 1_000);
        }
        final CommandRun produced = produce.get(60, TimeUnit.SECONDS);
        assertEquals(1, produced.exit(), produced.toString());
        return consume.get(60, TimeUnit.SECONDS);
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

    /**
     * Asserts that a {@code produce} run sent {@code count} messages of 64 bytes to {@code stream}, every one
     * acknowledged, its connection up to the end: exit code 0, the summary's line and the JSON's fields.
     *
     * @param json the file the run wrote with {@code --json}.
     * @throws IOException when the JSON cannot be read.
     */
    void assertProducedAndAcknowledged(final String stream, final long count, final Path json) throws IOException
    {
        assertEquals(0, exit, toString());
        assertTrue(out.contains(String.format("produced %,d messages of 64 bytes to '%s'", count, stream)),
            toString());
        final String summary = Files.readString(json);
        assertTrue(summary.contains("\"sent\":" + count + ","), summary);
        assertTrue(summary.contains("\"acknowledged\":" + count + ","), summary);
        assertTrue(summary.contains("\"connectionLost\":false,\"error\":null"), summary);
    }

    /**
     * Asserts that a {@code consume} run took {@code count} messages from {@code stream}, from one source whose
     * sequences came without a hole or a repeat (each exactly once, in order): exit code 0 and the summary's lines.
     */
    void assertConsumedOnceInOrder(final String stream, final long count)
    {
        assertEquals(0, exit, toString());
        assertTrue(out.contains(String.format("consumed %,d messages from '%s' (1 source)", count, stream)),
            toString());
        assertTrue(out.contains("outOfOrder 0, duplicates 0, gaps 0 (0 messages dropped)"), toString());
    }

    /**
     * Asserts what a {@code consume} run that took {@code count} messages from one source, each once and in order,
     * with its connection up to the end, wrote with {@code --json}.
     *
     * @param json the file the run wrote.
     * @throws IOException when the JSON cannot be read.
     */
    static void assertConsumedJson(final Path json, final long count) throws IOException
    {
        final String text = Files.readString(json);
        assertTrue(text.contains("\"received\":" + count + ",\"sources\":1,\"outOfOrder\":0,\"duplicates\":0,"
            + "\"gaps\":0"), text);
        assertTrue(text.contains("\"connectionLost\":false,\"error\":null"), text);
    }

    @Override
    public String toString()
    {
        return "exit " + exit + "\n" + out + err;
    }
}
