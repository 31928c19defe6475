package io.sluice.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.sluice.core.netty.HeartbeatHandler;
import io.sluice.core.netty.ProtocolErrorHandler;
import io.sluice.core.netty.Transports;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.util.RateLimitedLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.TimeUnit;

/**
 * The relay: accepts publishers and subscribers, and forwards every message of a stream to every subscriber of
 * it, under the stream's strategy. Start one in-process with {@link #start(RelayConfig)}; {@link #close()} stops
 * it.
 * <pre>{@code
 * try (Relay relay = Relay.start(RelayConfig.builder().port(0).build()))
 * {
 *     int port = relay.port();
 *     ...
 * }
 * }</pre>
 */
public final class Relay implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Relay.class);

    private final RelayConfig config;
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final ChannelGroup connections;
    private final RelayMetrics metrics;
    private final StreamRegistry streams;
    private final DiskTiers diskTiers;
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();

    private Relay(final RelayConfig config, final EventLoopGroup group, final Channel serverChannel,
        final ChannelGroup connections, final RelayMetrics metrics, final StreamRegistry streams,
        final DiskTiers diskTiers)
    {
        this.diskTiers = diskTiers;
        this.config = config;
        this.group = group;
        this.serverChannel = serverChannel;
        this.connections = connections;
        this.metrics = metrics;
        this.streams = streams;
    }

    /**
     * Binds and starts accepting connections.
     *
     * @param config settings.
     * @return the running relay.
     * @throws IllegalStateException when the address cannot be bound.
     */
    public static Relay start(final RelayConfig config)
    {
        final EventLoopGroup group = Transports.newGroup(config.ioThreads(), "sluice-relay");
        final StreamRegistry streams = new StreamRegistry(config);
        final RelayMetrics metrics = new RelayMetrics(streams);
        final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        final DiskTiers diskTiers = new DiskTiers(config.spillDirectory(), config.maxFrameLength());
        final RateLimitedLogger warnings = new RateLimitedLogger(LoggerFactory.getLogger(Relay.class), 10);
        final ProtocolErrorHandler errorHandler = new ProtocolErrorHandler("relay", warnings,
            (code, n) -> metrics.onProtocolError(code));
        final ServerBootstrap bootstrap = new ServerBootstrap()
            .group(group)
            .channel(Transports.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 4096)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(config.lowWaterMark(), config.highWaterMark()))
            .childOption(ChannelOption.RECVBUF_ALLOCATOR,
                new AdaptiveRecvByteBufAllocator(512, 16 * 1024, config.maxReadBytes())
                    .maxMessagesPerRead(config.maxReadsPerLoop()))
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    metrics.onConnectionOpened();
                    connections.add(ch);
                    final ConnectionLog connectionLog = new ConnectionLog();
                    ch.pipeline().addLast(
                        new HeartbeatHandler(config.heartbeatIntervalMs(), config.heartbeatTimeoutMs()),
                        new FrameDecoder(config.maxFrameLength()),
                        new HelloHandler(config, streams, metrics, diskTiers, connectionLog),
                        connectionLog,
                        errorHandler);
                }
            });
        try
        {
            final Channel server = bootstrap.bind(new InetSocketAddress(config.bindAddress(), config.port()))
                .syncUninterruptibly().channel();
            final Relay relay = new Relay(config, group, server, connections, metrics, streams, diskTiers);
            LOG.info("relay listening on {}:{} ({} transport, {} io threads)", config.bindAddress(), relay.port(),
                Transports.name(), config.ioThreads());
            return relay;
        }
        catch (final RuntimeException ex)
        {
            diskTiers.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("cannot listen on " + config.bindAddress() + ":" + config.port() + ": " + ex, ex);
        }
    }

    private void drainWithin(final Duration grace)
    {
        // No new input: every publisher's reads stop (its pause reasons gain SHUTDOWN, on its own event loop).
        for (final Channel channel : connections)
        {
            final ProducerHandler producer = channel.pipeline().get(ProducerHandler.class);
            if (producer != null)
            {
                channel.eventLoop().execute(producer::pauseForShutdown);
            }
        }
        final long deadline = System.nanoTime() + grace.toNanos();
        long waiting;
        while ((waiting = waitingMessages()) > 0 && System.nanoTime() < deadline)
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        if (waiting > 0)
        {
            LOG.info("grace period of {} ms over with {} messages still waiting in lanes", grace.toMillis(), waiting);
        }
    }

    // Messages held anywhere in the relay for subscribers: accepted by lanes and not yet written, plus anything in
    // outbound buffers or held by paused publishers' connections.
    private long waitingMessages()
    {
        long waiting = 0;
        for (final LaneSnapshot lane : metrics.lanes())
        {
            waiting += lane.waitingMessages();
        }
        // Bytes still in lanes, outbound buffers or held reads count as one more message: not drained yet.
        return waiting + (metrics.bufferedBytes() > 0 ? 1 : 0);
    }

    /**
     * @return the port the relay listens on (the one chosen, when configured as 0).
     */
    public int port()
    {
        return ((InetSocketAddress)serverChannel.localAddress()).getPort();
    }

    /**
     * @return the settings the relay runs with.
     */
    public RelayConfig config()
    {
        return config;
    }

    /**
     * @return counters and gauges.
     */
    public RelayMetrics metrics()
    {
        return metrics;
    }

    /**
     * @param stream a stream name.
     * @return messages received on the stream that had no subscriber to go to; 0 for an unknown stream.
     */
    public long unroutedMessages(final String stream)
    {
        final Stream s = streams.find(stream);
        return s == null ? 0 : s.messagesUnrouted();
    }

    /**
     * Stops accepting, closes every connection and stops the event loops, at once. Idempotent.
     */
    @Override
    public void close()
    {
        close(Duration.ZERO);
    }

    /**
     * Stops gracefully: stops accepting connections and stops reading from publishers, lets subscribers drain what
     * their lanes hold for up to {@code grace}, then closes every connection (lanes with a durable disk tier hand
     * what is left to disk) and stops the event loops.
     *
     * @param grace longest time to wait for subscribers to drain.
     */
    public void close(final Duration grace)
    {
        if (!closing.compareAndSet(false, true))
        {
            return;
        }
        metrics.shuttingDown();
        serverChannel.close().syncUninterruptibly();
        for (final Channel channel : connections)
        {
            ConnectionLog.closing(channel, ConnectionLog.SHUTTING_DOWN);
        }
        if (!grace.isZero() && !grace.isNegative())
        {
            drainWithin(grace);
        }
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        // Lanes handed their memory tiers and hand-offs to disk as their connections closed; let that finish.
        diskTiers.close();
        LOG.info("relay on port {} stopped", ((InetSocketAddress)serverChannel.localAddress()).getPort());
    }
}
