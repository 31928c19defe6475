package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Hello;
import io.sluice.core.util.EpochClock;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.LENGTH_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.SEQUENCE_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.SOURCE_ID_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.STREAM_ID_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.TYPE_OFFSET;

/**
 * Opens a direct client's connection to a relay, the one place that builds it: a plain TCP socket (TCP_NODELAY, the
 * configured receive buffer) that says HELLO and is answered with a WELCOME, all within the connect timeout, and is
 * then non-blocking and registered for reading with a selector of its own. The relay's heartbeats before its WELCOME
 * are skipped; its ERROR fails the connect with the relay's code and text. What the relay sent right behind its
 * WELCOME stays in the read buffer handed in, for the connection's first read.
 */
final class DirectHandshake
{
    /** The longest frame the relay may send before its WELCOME: an acknowledging subscriber's, or an ERROR. */
    static final int MAX_FRAME_LENGTH = Math.max(HEADER_LENGTH + Frames.ACKNOWLEDGED_WELCOME_PAYLOAD_LENGTH,
        ControlFrames.MAX_ERROR_FRAME_LENGTH);

    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final Welcome welcome;

    private DirectHandshake(final SocketChannel channel, final Selector selector, final SelectionKey key,
        final Welcome welcome)
    {
        this.channel = channel;
        this.selector = selector;
        this.key = key;
        this.welcome = welcome;
    }

    /**
     * Connects to the relay in {@code config}, says {@code hello} and waits for the WELCOME, all within
     * {@link ClientConfig#connectTimeoutMs()}.
     *
     * @param config the relay's address, connect timeout and receive buffer size.
     * @param hello  what to say.
     * @param in     the connection's read buffer, at least {@link #MAX_FRAME_LENGTH} bytes: on return its
     *               {@code [0, position)} holds what followed the WELCOME, and its limit is its capacity.
     * @return the connection, welcomed.
     * @throws SluiceException when the relay cannot be reached, refuses the HELLO (with its code and text), answers
     *                         with something else, or does not answer in time; the socket is closed then.
     */
    static DirectHandshake connect(final ClientConfig config, final Hello hello, final ByteBuffer in)
        throws SluiceException
    {
        final String where = config.host() + ":" + config.port();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.connectTimeoutMs());
        SocketChannel channel = null;
        Selector selector = null;
        try
        {
            channel = SocketChannel.open();
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (config.receiveBufferBytes() > 0)
            {
                // Before connecting, so the window scale the handshake agrees on fits it.
                channel.setOption(StandardSocketOptions.SO_RCVBUF, config.receiveBufferBytes());
            }
            try
            {
                channel.socket().connect(
                    new InetSocketAddress(config.host(), config.port()), config.connectTimeoutMs());
            }
            catch (final IOException ex)
            {
                throw new SluiceException(null, "cannot connect to " + where + ": " + ex, ex);
            }
            channel.configureBlocking(false);
            selector = Selector.open();
            final SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
            writeFully(channel, selector, key, helloBytes(hello), deadline, where);
            final Welcome welcome = awaitWelcome(channel, selector, in, deadline, where);
            return new DirectHandshake(channel, selector, key, welcome);
        }
        catch (final IOException ex)
        {
            closeQuietly(channel, selector);
            throw new SluiceException(null, "I/O error with " + where + ": " + ex, ex);
        }
        catch (final SluiceException | RuntimeException ex)
        {
            closeQuietly(channel, selector);
            throw ex;
        }
    }

    /**
     * Closes the selector, then the socket, ignoring what fails.
     */
    static void closeQuietly(final SocketChannel channel, final Selector selector)
    {
        CloseHelper.quietClose(selector);
        CloseHelper.quietClose(channel);
    }

    /**
     * @return the connected socket, non-blocking.
     */
    SocketChannel channel()
    {
        return channel;
    }

    /**
     * @return the selector the socket is registered with; closing it deregisters the socket.
     */
    Selector selector()
    {
        return selector;
    }

    /**
     * @return the socket's key in {@link #selector()}, interested in reading.
     */
    SelectionKey key()
    {
        return key;
    }

    /**
     * @return what the relay's WELCOME said; no acknowledged-delivery fields.
     */
    Welcome welcome()
    {
        return welcome;
    }

    private static ByteBuffer helloBytes(final Hello hello)
    {
        final ByteBuf frame = Frames.hello(UnpooledByteBufAllocator.DEFAULT, hello, EpochClock.nanos());
        try
        {
            final ByteBuffer bytes = ByteBuffer.allocate(frame.readableBytes());
            frame.readBytes(bytes);
            return bytes.flip();
        }
        finally
        {
            frame.release();
        }
    }

    private static void writeFully(final SocketChannel channel, final Selector selector, final SelectionKey key,
        final ByteBuffer bytes, final long deadline, final String where) throws IOException, SluiceException
    {
        while (bytes.hasRemaining())
        {
            if (channel.write(bytes) == 0)
            {
                key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                await(selector, deadline, where);
            }
        }
        key.interestOps(SelectionKey.OP_READ);
    }

    // Reads until the WELCOME, skipping the relay's heartbeats; what followed it moves to the front of the buffer.
    private static Welcome awaitWelcome(final SocketChannel channel, final Selector selector, final ByteBuffer in,
        final long deadline, final String where) throws IOException, SluiceException
    {
        final UnsafeBuffer frames = new UnsafeBuffer(in);
        while (true)
        {
            if (channel.read(in) < 0)
            {
                throw new SluiceException(null, "the relay at " + where + " closed the connection before its " +
                    "WELCOME", null);
            }
            while (in.position() >= 4)
            {
                final int length = frames.getInt(LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
                if (length < HEADER_LENGTH || length > MAX_FRAME_LENGTH)
                {
                    throw new SluiceException(ErrorCode.FRAME_TOO_LARGE, "the relay at " + where +
                        " answered the HELLO with a frame length of " + length + ": is it a Sluice relay?", null);
                }
                if (in.position() < length)
                {
                    break;
                }
                final int type = frames.getByte(TYPE_OFFSET) & 0xFF;
                if (type == FrameType.ERROR)
                {
                    throw new SluiceException(ControlFrames.errorCode(frames, 0, length),
                        ControlFrames.relayError(frames, 0, length), null);
                }
                final boolean welcomed = type == FrameType.WELCOME &&
                    length >= HEADER_LENGTH + Frames.WELCOME_PAYLOAD_LENGTH;
                if (!welcomed && type != FrameType.HEARTBEAT)
                {
                    throw new SluiceException(ErrorCode.UNEXPECTED_FRAME, "the relay at " + where +
                        " answered the HELLO with " + FrameType.name(type) + " of " + length + " bytes, not a WELCOME",
                        null);
                }
                final Welcome welcome = welcomed ? new Welcome(frames.getInt(STREAM_ID_OFFSET, ByteOrder.BIG_ENDIAN),
                    frames.getInt(SOURCE_ID_OFFSET, ByteOrder.BIG_ENDIAN),
                    frames.getInt(HEADER_LENGTH, ByteOrder.BIG_ENDIAN),
                    frames.getInt(HEADER_LENGTH + 4, ByteOrder.BIG_ENDIAN),
                    frames.getInt(HEADER_LENGTH + 8, ByteOrder.BIG_ENDIAN),
                    frames.getLong(SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN), false, 0, 0, 0) : null;
                in.flip().position(length);
                in.compact();
                if (welcomed)
                {
                    return welcome;
                }
            }
            await(selector, deadline, where);
        }
    }

    private static void await(final Selector selector, final long deadline, final String where)
        throws IOException, SluiceException
    {
        final long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (remainingMs <= 0)
        {
            throw new SluiceException(null, "no WELCOME from " + where + " within the connect timeout", null);
        }
        selector.select(remainingMs);
        selector.selectedKeys().clear();
    }
}
