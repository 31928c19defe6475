package io.sluice.bench.peer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.bench.load.Link;
import io.sluice.bench.load.SluiceLink;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Hello;
import io.sluice.core.protocol.Role;
import io.sluice.core.util.EpochClock;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * Sluice's relay driven by the same plain-socket producer and consumer as the byte-relay peers ({@link TcpFramedLink}):
 * a HELLO, the WELCOME's ids, then the same batched DATA frames. Against haproxy it measures the relay alone, with
 * Sluice's client library out of the picture (the {@code sluice} runs measure both together).
 * <p>
 * For continuous load only: the producer sends no heartbeats of its own, so it must not pause for longer than the
 * relay's heartbeat timeout. A publisher's ACKs are read (and ignored) by a thread of its own; an ERROR fails the
 * next send.
 */
public final class SluiceSocketLink implements Link
{
    private final int port;

    /**
     * @param port the relay's port on 127.0.0.1.
     */
    public SluiceSocketLink(final int port)
    {
        this.port = port;
    }

    @Override
    public String name()
    {
        return "sluice-socket";
    }

    @Override
    public Inlet openInlet(final int stream) throws IOException
    {
        final Handshake handshake = Handshake.open(port, Role.SUBSCRIBER, SluiceLink.streamName(stream));
        handshake.channel.configureBlocking(false);
        return new SubscriberInlet(handshake);
    }

    @Override
    public Outlet openOutlet(final int stream) throws IOException
    {
        final Handshake handshake = Handshake.open(port, Role.PUBLISHER, SluiceLink.streamName(stream));
        final SocketFrames.Writer writer = new SocketFrames.Writer(handshake.channel, handshake.streamId,
            handshake.sourceId, handshake.nextSequence);
        final Thread acks = new Thread(() -> readAcks(handshake, writer), "bench-acks-" + stream);
        acks.setDaemon(true);
        acks.start();
        return writer;
    }

    // Until the connection ends: ACKs and heartbeats are read and dropped; an ERROR or CLOSE fails the writer.
    private static void readAcks(final Handshake handshake, final SocketFrames.Writer writer)
    {
        final Sink ignore = new Sink()
        {
            @Override
            public void onMessage(final long timestampNanos)
            {
            }

            @Override
            public void onDropped(final long count)
            {
            }
        };
        try (SocketFrames.Reader reader = handshake.reader)
        {
            while (handshake.channel.isOpen())
            {
                reader.read(handshake.channel, ignore, Integer.MAX_VALUE);
            }
        }
        catch (final IOException ex)
        {
            if (handshake.channel.isOpen())
            {
                writer.fail("relay: " + ex.getMessage());
            }
        }
    }

    @Override
    public void close()
    {
    }

    /** A connection after HELLO and WELCOME, and the reader that took the WELCOME off it. */
    private static final class Handshake
    {
        final SocketChannel channel;
        final SocketFrames.Reader reader;
        final int streamId;
        final int sourceId;
        final long nextSequence;
        final long heartbeatIntervalNanos;

        private Handshake(final SocketChannel channel, final SocketFrames.Reader reader) throws IOException
        {
            this.channel = channel;
            this.reader = reader;
            final ByteBuf in = reader.buffer();
            final int at = reader.awaitFrame(channel);
            final int type = Frames.type(in, at);
            if (type != FrameType.WELCOME)
            {
                throw new IOException(type == FrameType.ERROR
                    ? "relay refused the HELLO: " + Frames.errorCode(in, at) + ": " + Frames.errorText(in, at)
                    : "relay answered HELLO with " + FrameType.name(type));
            }
            streamId = Frames.streamId(in, at);
            sourceId = Frames.sourceId(in, at);
            nextSequence = Frames.sequence(in, at);
            heartbeatIntervalNanos = TimeUnit.MILLISECONDS.toNanos(Frames.welcomeHeartbeatIntervalMs(in, at));
            in.skipBytes(Frames.frameLength(in, at));
        }

        static Handshake open(final int port, final Role role, final String stream) throws IOException
        {
            final SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            final SocketFrames.Reader reader = new SocketFrames.Reader();
            try
            {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                final ByteBuffer hello = SocketFrames.toNio(Frames.hello(UnpooledByteBufAllocator.DEFAULT,
                    new Hello(role, stream, "", ""), EpochClock.nanos()));
                while (hello.hasRemaining())
                {
                    channel.write(hello);
                }
                return new Handshake(channel, reader);
            }
            catch (final IOException | RuntimeException ex)
            {
                reader.close();
                channel.close();
                throw ex;
            }
        }
    }

    /** Reads without blocking; sends a HEARTBEAT each interval so the relay knows the subscriber is alive. */
    private static final class SubscriberInlet implements Inlet
    {
        private final Handshake handshake;
        private final ByteBuffer heartbeat;
        private long nextHeartbeatNanos;

        SubscriberInlet(final Handshake handshake)
        {
            this.handshake = handshake;
            this.heartbeat = SocketFrames.toNio(Frames.empty(UnpooledByteBufAllocator.DEFAULT, FrameType.HEARTBEAT,
                handshake.streamId, handshake.sourceId, 0, 0));
            this.nextHeartbeatNanos = System.nanoTime() + handshake.heartbeatIntervalNanos;
        }

        @Override
        public int poll(final Sink sink, final int limit) throws IOException
        {
            final long now = System.nanoTime();
            if (now >= nextHeartbeatNanos)
            {
                // 32 bytes into a send buffer nothing else uses: written whole.
                heartbeat.clear();
                handshake.channel.write(heartbeat);
                nextHeartbeatNanos = now + handshake.heartbeatIntervalNanos;
            }
            return handshake.reader.read(handshake.channel, sink, limit);
        }

        @Override
        public void close() throws IOException
        {
            handshake.reader.close();
            handshake.channel.close();
        }
    }
}
