package io.sluice.bench.peer;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A peer server the bench starts itself (nats-server, haproxy) on 127.0.0.1, and stops when done. Its output goes
 * to a log file, shown when it fails to start.
 */
public final class ExternalServer implements AutoCloseable
{
    private static final List<String> SEARCH_PATH =
        List.of("/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin");

    private final Process process;
    private final Path log;

    private ExternalServer(final Process process, final Path log)
    {
        this.process = process;
        this.log = log;
    }

    /** @return the server's process, whose CPU time the bench reads. */
    public ProcessHandle process()
    {
        return process.toHandle();
    }

    /**
     * @param command a program name, e.g. {@code nats-server}.
     * @return its path when it is on the PATH or in an sbin folder, else null.
     */
    public static String find(final String command)
    {
        final String path = System.getenv().getOrDefault("PATH", "");
        for (final String dir :
            (path + File.pathSeparator + String.join(File.pathSeparator, SEARCH_PATH)).split(File.pathSeparator))
        {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command)))
            {
                return Path.of(dir, command).toString();
            }
        }
        return null;
    }

    /**
     * @return a TCP port on 127.0.0.1 that was free a moment ago.
     * @throws IOException when none can be bound.
     */
    public static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    /**
     * Starts a server and waits until it listens on {@code port}: read from /proc/net/tcp rather than by connecting,
     * so that a relay like haproxy does not open a connection to its backend for the probe.
     *
     * @param command the command line.
     * @param port the port it will listen on.
     * @return the running server.
     * @throws IOException when it does not start or listen within 10 s; the message holds its log.
     */
    public static ExternalServer start(final List<String> command, final int port) throws IOException
    {
        final Path log = Files.createTempFile("sluice-bench-peer-", ".log");
        final Process process =
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        final ExternalServer server = new ExternalServer(process, log);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!listening(port))
        {
            if (!process.isAlive() || System.nanoTime() > deadline)
            {
                final String output = Files.readString(log, StandardCharsets.UTF_8);
                server.close();
                throw new IOException(
                    command.get(0) + " did not start listening on 127.0.0.1:" + port + ": " + output.strip());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        return server;
    }

    private static boolean listening(final int port) throws IOException
    {
        final String hexPort = String.format(Locale.ROOT, ":%04X", port);
        for (final String line : Files.readAllLines(Path.of("/proc/net/tcp")))
        {
            final String[] f = line.trim().split("\\s+");
            // local_address is f[1] (ADDR:PORT in hex), st is f[3]; 0A is LISTEN.
            if (f.length > 3 && f[1].endsWith(hexPort) && "0A".equals(f[3]))
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close()
    {
        process.destroy();
        try
        {
            if (!process.waitFor(5, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try
        {
            Files.deleteIfExists(log);
        }
        catch (final IOException ignored)
        {
            // A log left in the temp folder.
        }
    }
}
