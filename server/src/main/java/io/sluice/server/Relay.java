package io.sluice.server;

import io.sluice.server.config.RelayConfig;
import io.sluice.server.peer.ConnectionLog;
import io.sluice.server.connection.HelloHandler;
import io.sluice.server.lifecycle.RelayLifecycle;
import io.sluice.server.stream.Stream;
import io.sluice.server.stream.StreamRegistry;
import io.sluice.server.subscriber.DetachedLanes;
import io.sluice.server.tier.disk.DiskTiers;
import io.sluice.spill.deadletter.DeadLetterStore;
import io.sluice.spill.SpillConfig;

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
import io.sluice.core.netty.ProtocolErrorHandler;
import io.sluice.core.netty.Transports;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.protocol.Hello;
import io.sluice.core.util.RateLimitedLogger;
import io.sluice.server.security.Gatekeeper;
import io.sluice.server.security.InternalAccess;
import io.sluice.server.bridge.BridgeContext;
import io.sluice.server.bridge.Bridges;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

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
    private static final int CONNECTION_LINES_PER_SECOND = 10;
    /** The least time bridges get to deliver what they hold at a graceful stop. */
    private static final Duration BRIDGE_FLUSH = Duration.ofSeconds(2);

    private final RelayConfig config;
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final ChannelGroup connections;
    private final RelayMetrics metrics;
    private final RelayLifecycle lifecycle;
    private final StreamRegistry streams;
    private final DiskTiers diskTiers;
    private final Gatekeeper gatekeeper;
    private final ServerBootstrap bootstrap;
    // The loopback listener for the relay's own clients, bound when first asked for.
    private Channel internalChannel;
    private volatile Bridges bridges = Bridges.NONE;

    private Relay(final RelayConfig config, final EventLoopGroup group, final Channel serverChannel,
        final ChannelGroup connections, final RelayMetrics metrics, final RelayLifecycle lifecycle,
        final StreamRegistry streams, final DiskTiers diskTiers, final Gatekeeper gatekeeper,
        final ServerBootstrap bootstrap)
    {
        this.lifecycle = lifecycle;
        this.gatekeeper = gatekeeper;
        this.bootstrap = bootstrap;
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
     * @throws IllegalStateException when the address cannot be bound, or a bridge cannot start.
     * @throws IllegalArgumentException when a security file (TLS, principals) cannot be read or does not check, or a
     *                                  bridge's settings are wrong.
     */
    public static Relay start(final RelayConfig config)
    {
        return start(config, UnaryOperator.identity());
    }

    /**
     * As {@link #start(RelayConfig)}, with {@code storeSettings} applied to the settings of every spill store (tests
     * simulate a nearly full file system with it).
     */
    static Relay start(final RelayConfig config, final UnaryOperator<SpillConfig> storeSettings)
    {
        final Gatekeeper gatekeeper = new Gatekeeper(config.security(), config.authToken(), config.maxFrameLength(),
            config.helloTimeoutMs());
        final EventLoopGroup group = Transports.newGroup(config.ioThreads(), "sluice-relay");
        final StreamRegistry streams = new StreamRegistry(config);
        final RelayMetrics metrics = new RelayMetrics(streams);
        final RelayLifecycle lifecycle = new RelayLifecycle();
        final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        final DiskTiers diskTiers = new DiskTiers(config.spillDirectory(), config.maxFrameLength(),
            config.deadLetterQuotaBytes() == 0 ? null : DeadLetterStore.create(
                SpillConfig.of(config.deadLetterDirectory(), config.deadLetterQuotaBytes())
                    .withMaxFrameLength(config.maxFrameLength())), metrics.spill(), storeSettings);
        diskTiers.sweepInactiveSubscriptions(config);
        final RateLimitedLogger warnings = new RateLimitedLogger(LoggerFactory.getLogger(Relay.class), 10);
        final ProtocolErrorHandler errorHandler = new ProtocolErrorHandler("relay", warnings,
            (code, n) -> metrics.counters().onProtocolError(code));
        // The INFO lines of opened and closed connections: a flood of connections must not flood the log either.
        final RateLimitedLogger connectionLines = new RateLimitedLogger(LoggerFactory.getLogger(ConnectionLog.class),
            CONNECTION_LINES_PER_SECOND);
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
            .childHandler(connectionSetUp(config, streams, metrics, lifecycle, diskTiers, gatekeeper, connections,
                connectionLines, errorHandler, false));
        final Relay relay;
        try
        {
            final Channel server = bootstrap.bind(new InetSocketAddress(config.bindAddress(), config.port()))
                .syncUninterruptibly().channel();
            relay = new Relay(config, group, server, connections, metrics, lifecycle, streams, diskTiers, gatekeeper,
                bootstrap.clone().childHandler(connectionSetUp(config, streams, metrics, lifecycle, diskTiers,
                    gatekeeper, connections, connectionLines, errorHandler, true)));
            final long sweepMs = streams.sweepIntervalMs();
            group.next().scheduleWithFixedDelay(() -> removeIdleStreams(streams), sweepMs, sweepMs,
                TimeUnit.MILLISECONDS);
            LOG.info("relay listening on {}:{} ({} transport, {} io threads)", config.bindAddress(), relay.port(),
                Transports.name(), config.ioThreads());
        }
        catch (final RuntimeException ex)
        {
            gatekeeper.close();
            diskTiers.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException(
                "cannot listen on " + config.bindAddress() + ":" + config.port() + ": " + ex, ex);
        }
        relay.startBridges();
        return relay;
    }

    // Before start returns, so a sink is subscribed by the time the caller announces the relay ready.
    private void startBridges()
    {
        if (config.bridges().isEmpty())
        {
            return;
        }
        // The loopback listener for the relay's own clients: plain TCP and the internal principal, whatever TLS,
        // principals and limits the relay's port has.
        final InternalAccess access = internalAccess();
        final DeadLetterStore deadLetters = diskTiers.deadLetters();
        final BridgeContext context = new BridgeContext(access.host(), access.port(), access.token(),
            config.maxFrameLength(),
            deadLetters == null ? null : deadLetters::offer,
            stream ->
            {
                final Stream s = streams.find(stream);
                return s == null ? 0 : s.subscribers();
            });
        try
        {
            bridges = Bridges.start(config.bridges(), context);
        }
        catch (final IllegalArgumentException ex)
        {
            close();
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            close();
            throw new IllegalStateException("cannot start bridges: " + ex.getMessage(), ex);
        }
    }

    // One pipeline for every connection: the gatekeeper first (limits, then TLS or the check for it), then frames.
    private static ChannelInitializer<SocketChannel> connectionSetUp(final RelayConfig config,
        final StreamRegistry streams, final RelayMetrics metrics, final RelayLifecycle lifecycle,
        final DiskTiers diskTiers, final Gatekeeper gatekeeper, final ChannelGroup connections,
        final RateLimitedLogger connectionLines, final ProtocolErrorHandler errorHandler, final boolean internal)
    {
        return new ChannelInitializer<SocketChannel>()
        {
            @Override
            protected void initChannel(final SocketChannel ch)
            {
                if (!gatekeeper.accept(ch, internal))
                {
                    return;
                }
                metrics.counters().onConnectionOpened();
                connections.add(ch);
                final ConnectionLog connectionLog = new ConnectionLog(connectionLines);
                // Until the WELCOME (HelloHandler) a connection has shown no token: its decoder takes frames up
                // to the largest HELLO only, so it holds at most that much; and no HeartbeatHandler yet, since the
                // relay sends nothing before it answers the HELLO, and the hello timeout covers a silent peer.
                ch.pipeline().addLast(
                    new FrameDecoder(Hello.MAX_FRAME_LENGTH),
                    new HelloHandler(config, streams, metrics.counters(), metrics.laneRoster(),
                        metrics.producerRoster(), lifecycle, diskTiers, connectionLog, gatekeeper),
                    connectionLog,
                    errorHandler);
            }
        };
    }

    private static void removeIdleStreams(final StreamRegistry streams)
    {
        final int removed = streams.removeIdle();
        if (removed > 0 && LOG.isDebugEnabled())
        {
            LOG.debug("removed {} idle streams; {} remain", removed, streams.size());
        }
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

    /** @return whether the relay runs, stops or has stopped. */
    public RelayLifecycle lifecycle()
    {
        return lifecycle;
    }

    /** @return every open connection. */
    ChannelGroup connections()
    {
        return connections;
    }

    /** @return the relay's disk tiers and spill thread. */
    DiskTiers diskTiers()
    {
        return diskTiers;
    }

    /**
     * @return who gets in and what they may do: its metrics, the metrics port's access, {@link Gatekeeper#reload()}.
     */
    public Gatekeeper security()
    {
        return gatekeeper;
    }

    /**
     * How the relay's own clients (its bridges) connect: a listener on 127.0.0.1, bound on the first call, plain TCP
     * whatever the relay's port speaks, that lets in only the token it gives (principal {@code internal}).
     *
     * @return where to connect, and the token.
     * @throws IllegalStateException when the listener cannot be bound, or the relay is closed.
     */
    public synchronized InternalAccess internalAccess()
    {
        if (lifecycle.isStopping())
        {
            throw new IllegalStateException("the relay is closed");
        }
        if (internalChannel == null)
        {
            internalChannel = bootstrap.bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        }
        return gatekeeper.internalAccess("127.0.0.1", ((InetSocketAddress)internalChannel.localAddress()).getPort());
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
     * @return the relay's bridges (the config's {@code bridges}), running since start.
     */
    public Bridges bridges()
    {
        return bridges;
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
     * Stops gracefully: stops accepting connections and stops reading from publishers. Durable subscriptions with a
     * disk tier hand what they have not put on the wire to disk at once; other subscribers drain their lanes. Each
     * subscriber then gets a CLOSE frame and a FIN after the last frame written to it, and the relay waits for it to
     * close its side.
     * After {@code grace} at the latest, every connection still open is closed and the event loops stop.
     *
     * @param grace longest time to wait for subscribers to drain and close.
     */
    public void close(final Duration grace)
    {
        if (!lifecycle.beginStopping())
        {
            return;
        }
        serverChannel.close().syncUninterruptibly();
        synchronized (this)
        {
            if (internalChannel != null)
            {
                internalChannel.close().syncUninterruptibly();
            }
        }
        final Duration period = grace.isNegative() ? Duration.ZERO : grace;
        final long deadline = System.nanoTime() + period.toNanos();
        // Bridges that publish stop taking from outside and settle what the relay acknowledged; sinks keep reading.
        bridges.relayStopping(period);
        // Durable lanes hand over to disk, the others drain, subscribers get CLOSE and a FIN and close their side (see
        // GracefulStop); whatever is still open when the grace period is over is closed here.
        GracefulStop.run(connections, metrics, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        // Sinks have what their lanes held; they get what is left of the grace period to deliver it, and at least
        // BRIDGE_FLUSH (or the whole grace period when shorter) even when the subscribers used it all up.
        bridges.close(Duration.ofNanos(Math.max(deadline - System.nanoTime(),
            Math.min(period.toNanos(), BRIDGE_FLUSH.toNanos()))));
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        // Lanes that kept taking messages for subscribers who were away close too: their disk tiers keep it all.
        for (final Stream stream : streams.all())
        {
            DetachedLanes.retireAll(stream, metrics.laneRoster());
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        // Lanes handed their memory tiers and hand-offs to disk as their connections closed; let that finish.
        diskTiers.close();
        gatekeeper.close();
        lifecycle.stopped();
        LOG.info("relay on port {} stopped", ((InetSocketAddress)serverChannel.localAddress()).getPort());
    }
}
