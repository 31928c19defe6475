package io.sluice.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The most the kernel lets a TCP socket's buffers grow to on this machine (Linux autotuning: the last field of
 * {@code tcp_rmem} and {@code tcp_wmem}), for tests that bound what can sit between two ends.
 */
final class SocketBuffers
{
    private SocketBuffers()
    {
    }

    /** @return the largest receive buffer a socket may grow to. */
    static long maxReceive() throws IOException
    {
        return maxOf("/proc/sys/net/ipv4/tcp_rmem");
    }

    /** @return the largest send buffer a socket may grow to. */
    static long maxSend() throws IOException
    {
        return maxOf("/proc/sys/net/ipv4/tcp_wmem");
    }

    private static long maxOf(final String procFile) throws IOException
    {
        final String[] parts = Files.readAllLines(Path.of(procFile)).get(0).trim().split("\\s+");
        return Long.parseLong(parts[parts.length - 1]);
    }
}
