package io.sluice.bench.peer;

import io.sluice.bench.load.Link;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The peers without message awareness: a producer writes Sluice DATA frames into one TCP connection
 * ({@link SocketFrames}), and a consumer reads and splits them.
 * Connected directly, it is the ceiling of what loopback TCP carries with this framing; through haproxy in TCP mode,
 * it is a byte relay. One producer and one consumer on one stream.
 */
public final class TcpFramedLink implements Link
{
    private final String name;
    private final ServerSocketChannel listener;
    private final int connectPort;

    /**
     * @param name e.g. {@code direct} or {@code haproxy}.
     * @param listener where the consumer accepts the producer's (or the relay's) connection, bound to 127.0.0.1.
     * @param connectPort where the producer connects: the listener's port, or a relay in front of it.
     */
    public TcpFramedLink(final String name, final ServerSocketChannel listener, final int connectPort)
    {
        this.name = name;
        this.listener = listener;
        this.connectPort = connectPort;
    }

    /**
     * @return a listener on a free port of 127.0.0.1.
     * @throws IOException when it cannot be bound.
     */
    public static ServerSocketChannel listen() throws IOException
    {
        final ServerSocketChannel listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
        listener.configureBlocking(false);
        return listener;
    }

    /**
     * @param listener the consumer's listener.
     * @return its port.
     * @throws IOException when it has none.
     */
    public static int port(final ServerSocketChannel listener) throws IOException
    {
        return ((InetSocketAddress)listener.getLocalAddress()).getPort();
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public Inlet openInlet(final int stream)
    {
        requireOneStream(stream);
        return new FramedInlet();
    }

    @Override
    public Outlet openOutlet(final int stream) throws IOException
    {
        requireOneStream(stream);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true)
        {
            try
            {
                final SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", connectPort));
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                return new SocketFrames.Writer(channel, 0, 0, 0);
            }
            catch (final IOException ex)
            {
                if (System.nanoTime() > deadline)
                {
                    throw ex;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    private static void requireOneStream(final int stream)
    {
        if (stream != 0)
        {
            throw new IllegalArgumentException("a plain TCP peer carries one stream");
        }
    }

    @Override
    public void close()
    {
        try
        {
            listener.close();
        }
        catch (final IOException ignored)
        {
            // Closing after the run.
        }
    }

    /** Accepts the connection on first poll, then reads without blocking. */
    private final class FramedInlet implements Inlet
    {
        private final SocketFrames.Reader reader = new SocketFrames.Reader();
        private SocketChannel channel;

        @Override
        public int poll(final Sink sink, final int limit) throws IOException
        {
            if (channel == null)
            {
                channel = listener.accept();
                if (channel == null)
                {
                    return 0;
                }
                channel.configureBlocking(false);
            }
            return reader.read(channel, sink, limit);
        }

        @Override
        public void close() throws IOException
        {
            reader.close();
            if (channel != null)
            {
                channel.close();
            }
        }
    }
}
