package io.sluice.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A relay in a JVM of its own, started through the relay command with the JVM flags the test names, so that its
 * heap and direct memory can be capped. Its output goes to a file, which the test reads afterwards.
 */
final class ChildRelay implements AutoCloseable
{
    private static final Pattern LISTENING = Pattern.compile("sluice relay listening on (\\S+):(\\d+)");

    private final Process process;
    private final Path log;
    private final int port;

    private ChildRelay(final Process process, final Path log, final int port)
    {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    static ChildRelay start(final Path log, final List<String> jvmFlags, final String... relayArgs) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("sluice.jvm.opens", "").split(" ")));
        command.addAll(Arrays.asList(System.getProperty("sluice.jvm.props", "").split(" ")));
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.sluice.server.cli.RelayCommand");
        command.addAll(Arrays.asList(relayArgs));
        command.removeIf(String::isEmpty);
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        // Copy the child's output to the log file and watch for the line that gives its port.
        final CompletableFuture<Integer> port = new CompletableFuture<>();
        final Thread pump = new Thread(() ->
        {
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 var out = java.nio.file.Files.newBufferedWriter(log))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    out.write(line);
                    out.newLine();
                    out.flush();
                    final Matcher m = LISTENING.matcher(line);
                    if (m.find())
                    {
                        port.complete(Integer.parseInt(m.group(2)));
                    }
                }
            }
            catch (final IOException ex)
            {
                port.completeExceptionally(ex);
            }
            port.completeExceptionally(new IllegalStateException("relay exited before listening; see " + log));
        }, "child-relay-output");
        pump.setDaemon(true);
        pump.start();
        try
        {
            return new ChildRelay(process, log, port.get(60, TimeUnit.SECONDS));
        }
        catch (final Exception ex)
        {
            process.destroyForcibly();
            throw new IOException("child relay did not start: " + ex.getMessage() + "; output in " + log, ex);
        }
    }

    int port()
    {
        return port;
    }

    Path log()
    {
        return log;
    }

    /**
     * Waits (up to {@code timeoutSeconds}) until the relay's output has a line matching {@code pattern}.
     *
     * @return the match.
     * @throws AssertionError when no line matched in time.
     */
    /**
     * Waits for the relay's disk tier to report the backlog it found at start-up, which it gives in bytes (it stores
     * frames in batches and does not read the backlog at open to count them).
     *
     * @param frameLength the length of every frame the test sent.
     * @return how many frames wait on disk.
     */
    long awaitBacklogFrames(final int frameLength, final long timeoutSeconds) throws IOException
    {
        final long bytes = Long.parseLong(
            awaitLogLine(Pattern.compile("opened with (\\d+) bytes of messages waiting"), timeoutSeconds).group(1));
        org.junit.jupiter.api.Assertions.assertEquals(0, bytes % frameLength,
            "backlog of " + bytes + " bytes is not whole frames of " + frameLength);
        return bytes / frameLength;
    }

    Matcher awaitLogLine(final Pattern pattern, final long timeoutSeconds) throws IOException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true)
        {
            final Matcher m = pattern.matcher(java.nio.file.Files.readString(log));
            if (m.find())
            {
                return m;
            }
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("no line matching '" + pattern + "' in " + log);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    long pid()
    {
        return process.pid();
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    /**
     * Sends SIGTERM and waits for the exit.
     *
     * @return the exit code.
     */
    int terminate() throws InterruptedException
    {
        // Through the handle, so that our ends of its pipes stay open and its closing log lines are kept.
        process.toHandle().destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            process.waitFor();
        }
        return process.exitValue();
    }

    /**
     * Sends SIGHUP (reload the security files) and returns once it is sent.
     */
    void signalHup() throws IOException, InterruptedException
    {
        if (new ProcessBuilder("kill", "-HUP", Long.toString(pid())).inheritIO().start().waitFor() != 0)
        {
            throw new IllegalStateException("kill -HUP " + pid() + " failed");
        }
    }

    /**
     * Sends SIGTERM and returns at once.
     */
    void signalTerm()
    {
        process.toHandle().destroy();
    }

    /**
     * Waits for the relay to exit after {@link #signalTerm()}.
     *
     * @return the exit code.
     * @throws IllegalStateException when it has not exited within {@code timeoutSeconds} (it is then killed).
     */
    int awaitExit(final long timeoutSeconds) throws InterruptedException
    {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            process.waitFor();
            throw new IllegalStateException(
                "relay did not exit within " + timeoutSeconds + " s of SIGTERM; see " + log);
        }
        return process.exitValue();
    }

    /**
     * Kills the relay with SIGKILL and waits for it to be gone.
     */
    void kill() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException
    {
        if (process.isAlive())
        {
            terminate();
        }
    }
}
