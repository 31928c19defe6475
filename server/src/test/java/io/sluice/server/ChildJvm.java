package io.sluice.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A main class of the test class path in a JVM of its own, so that a test can stop and continue the whole process
 * (SIGSTOP, SIGCONT) as a user's shell would, or kill it (SIGKILL). Its output comes back line by line.
 */
final class ChildJvm implements AutoCloseable
{
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private ChildJvm(final Process process)
    {
        this.process = process;
        final Thread pump = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    System.out.println("child " + process.pid() + ": " + line);
                    lines.add(line);
                }
            }
            catch (final IOException ex)
            {
                lines.add("child output failed: " + ex);
            }
        }, "child-output");
        pump.setDaemon(true);
        pump.start();
    }

    static ChildJvm start(final Class<?> mainClass, final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("sluice.jvm.opens", "").split(" ")));
        command.addAll(Arrays.asList(System.getProperty("sluice.jvm.props", "").split(" ")));
        command.add("-Xmx64m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(Arrays.asList(args));
        command.removeIf(String::isEmpty);
        return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /**
     * @return the next line of output that starts with one of {@code prefixes}, or null when none came in time.
     */
    String awaitLine(final long timeoutSeconds, final String... prefixes) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true)
        {
            final String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null)
            {
                return null;
            }
            for (final String prefix : prefixes)
            {
                if (line.startsWith(prefix))
                {
                    return line;
                }
            }
        }
    }

    /** Sends a signal (STOP, CONT) with the kill command. */
    void signal(final String signal) throws IOException, InterruptedException
    {
        final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0,
            "kill -" + signal + " " + process.pid());
    }

    /**
     * Kills the child with SIGKILL, as a crash or {@code kill -9} would: it runs nothing more, and the kernel closes
     * its sockets.
     *
     * @return the exit code, 137 (128 + SIGKILL) unless it had exited already.
     */
    int kill() throws InterruptedException
    {
        process.destroyForcibly();
        return awaitExit(30);
    }

    /** Keeps the test's clock running while the child is stopped: the stop itself is what is tested. */
    static void hold(final long millis) throws InterruptedException
    {
        final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < until)
        {
            Thread.sleep(20);
        }
    }

    /** @return whether the child is still running. */
    boolean isAlive()
    {
        return process.isAlive();
    }

    /**
     * @return the exit code, once the child exited within the timeout.
     */
    int awaitExit(final long timeoutSeconds) throws InterruptedException
    {
        assertTrue(process.waitFor(timeoutSeconds, TimeUnit.SECONDS), "child " + process.pid() + " did not exit");
        return process.exitValue();
    }

    @Override
    public void close() throws Exception
    {
        if (process.isAlive())
        {
            // A stopped process must be continued to act on a kill; it may have exited meanwhile.
            new ProcessBuilder("kill", "-CONT", Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
