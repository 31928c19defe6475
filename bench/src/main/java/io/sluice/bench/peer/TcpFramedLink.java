package io.sluice.bench.peer;

import io.sluice.bench.load.Link;
import io.sluice.core.protocol.FrameDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The peers without message awareness: a producer writes frames of Sluice's size (a {@value FrameDescriptor#HEADER_LENGTH}-byte
 * header with length and timestamp, then the payload) into one TCP connection, and a consumer reads and splits them.
 * Connected directly, it is the ceiling of what loopback TCP carries with this framing; through haproxy in TCP mode,
 * it is a byte relay. One producer and one consumer on one stream.
 */
public final class TcpFramedLink implements Link
{
    private static final int WRITE_BUFFER = 64 * 1024;
    private static final int READ_BUFFER = 256 * 1024;

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
                return new FramedOutlet(channel);
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

    /** Batches frames into a 64 KiB buffer and writes it out when full or when the producer is about to wait. */
    private static final class FramedOutlet implements Outlet
    {
        private final SocketChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(WRITE_BUFFER).order(ByteOrder.BIG_ENDIAN);
        private final UnsafeBuffer view = new UnsafeBuffer(buffer);

        FramedOutlet(final SocketChannel channel)
        {
            this.channel = channel;
        }

        @Override
        public boolean offer(final UnsafeBuffer payload, final int length, final boolean keyed, final long timestampNanos)
            throws IOException
        {
            final int frameLength = FrameDescriptor.HEADER_LENGTH + length;
            if (buffer.remaining() < frameLength)
            {
                flush();
            }
            final int at = buffer.position();
            // Zeroes where Sluice has version, type, stream, source and sequence: the same bytes on the wire.
            view.setMemory(at, FrameDescriptor.HEADER_LENGTH, (byte)0);
            view.putInt(at + FrameDescriptor.LENGTH_OFFSET, frameLength, ByteOrder.BIG_ENDIAN);
            view.putLong(at + FrameDescriptor.TIMESTAMP_OFFSET, timestampNanos, ByteOrder.BIG_ENDIAN);
            view.putBytes(at + FrameDescriptor.HEADER_LENGTH, payload, 0, length);
            buffer.position(at + frameLength);
            return true;
        }

        @Override
        public void flush() throws IOException
        {
            buffer.flip();
            while (buffer.hasRemaining())
            {
                channel.write(buffer);
            }
            buffer.clear();
        }

        @Override
        public void close() throws IOException
        {
            flush();
            channel.close();
        }
    }

    /** Accepts the connection on first poll, then reads without blocking and splits frames. */
    private final class FramedInlet implements Inlet
    {
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(READ_BUFFER).order(ByteOrder.BIG_ENDIAN);
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
            if (channel.read(buffer) < 0 && buffer.position() == 0)
            {
                return 0;
            }
            buffer.flip();
            int delivered = 0;
            while (delivered < limit && buffer.remaining() >= FrameDescriptor.HEADER_LENGTH)
            {
                final int at = buffer.position();
                final int frameLength = buffer.getInt(at + FrameDescriptor.LENGTH_OFFSET);
                if (buffer.remaining() < frameLength)
                {
                    break;
                }
                sink.onMessage(buffer.getLong(at + FrameDescriptor.TIMESTAMP_OFFSET));
                buffer.position(at + frameLength);
                delivered++;
            }
            buffer.compact();
            return delivered;
        }

        @Override
        public void close() throws IOException
        {
            if (channel != null)
            {
                channel.close();
            }
        }
    }
}
