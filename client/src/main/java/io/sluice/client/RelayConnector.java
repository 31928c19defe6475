package io.sluice.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.sluice.core.netty.HeartbeatHandler;
import io.sluice.core.netty.ProtocolErrorHandler;
import io.sluice.core.netty.Transports;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Hello;
import io.sluice.core.protocol.Role;
import io.sluice.core.util.EpochClock;
import io.sluice.core.util.RateLimitedLogger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Opens a client's connections to its relay: a channel on one of the event loops it owns (or on the loop the
 * application's thread runs, in the invoker mode), its pipeline (TLS when configured, heartbeats, frame decoding, the
 * role's handler), the HELLO, and the wait for the WELCOME.
 */
final class RelayConnector
{
    private static final RateLimitedLogger WARNINGS =
        new RateLimitedLogger(LoggerFactory.getLogger(SluiceClient.class), 10);

    private final ClientConfig config;
    private final EventLoopGroup group;
    // Null unless the client is in the invoker mode; then the group.
    private final InvokedEventLoop invoked;
    private final LongAdder protocolErrors = new LongAdder();
    // Null for plain TCP.
    private final SslContext tls;

    /**
     * @throws IllegalArgumentException when the TLS files cannot be read or the client key does not match its
     *                                  certificate.
     */
    RelayConnector(final ClientConfig config)
    {
        this.config = config;
        this.tls = config.tls() == null ? null : config.tls().newContext();
        this.invoked = config.isInvoked() ? new InvokedEventLoop(Transports.ioHandlerFactory()) : null;
        this.group = invoked != null ? invoked : Transports.newGroup(config.ioThreads(), "sluice-client");
    }

    /**
     * @see SluiceClient#doWork()
     */
    int doWork()
    {
        if (invoked == null)
        {
            throw new IllegalStateException("doWork is for a client in the invoker mode (ClientConfig.withInvoker()); "
                + "this one has " + config.ioThreads() + " event loop thread(s) of its own");
        }
        return invoked.doWork();
    }

    /**
     * @return protocol errors detected in what the relay sent, on every connection.
     */
    long protocolErrors()
    {
        return protocolErrors.sum();
    }

    /**
     * @return a channel registered with one of the client's event loops but not connected, so that the role object
     * can hold it before the handshake starts.
     */
    Channel newChannel()
    {
        if (invoked != null)
        {
            invoked.claim();
        }
        final Channel channel = Transports.newClientChannel();
        group.next().register(channel).syncUninterruptibly();
        return channel;
    }

    /**
     * Connects {@code channel}, says {@code hello} and waits for the relay's WELCOME, which {@code handler} takes.
     *
     * @throws SluiceException when the relay refused, could not be reached, or did not answer in time; the channel is
     * closed then.
     */
    void handshake(final Channel channel, final Hello hello, final ConnectionHandler handler)
        throws SluiceException
    {
        channel.config().setOption(ChannelOption.TCP_NODELAY, true);
        channel.config().setOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, config.connectTimeoutMs());
        if (config.receiveBufferBytes() > 0)
        {
            // Before connecting, so the window scale the handshake agrees on fits it.
            channel.config().setOption(ChannelOption.SO_RCVBUF, config.receiveBufferBytes());
        }
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(32 * 1024, 64 * 1024));
        final ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast(new ChannelInitializer<SocketChannel>()
        {
            @Override
            protected void initChannel(final SocketChannel ch)
            {
                if (tls != null)
                {
                    // Names the relay's host for SNI and for the check of its certificate's name.
                    final SslHandler ssl = tls.newHandler(ch.alloc(), config.host(), config.port());
                    ssl.setHandshakeTimeoutMillis(config.connectTimeoutMs());
                    ssl.handshakeFuture().addListener(f ->
                    {
                        if (!f.isSuccess())
                        {
                            handler.welcome.completeExceptionally(new SluiceException(null, tlsFailure(f.cause()),
                                f.cause()));
                        }
                    });
                    ch.pipeline().addLast("tls", ssl);
                }
                ch.pipeline().addLast(
                    new HeartbeatHandler(config.heartbeatIntervalMs(), config.heartbeatTimeoutMs()),
                    // A subscription takes the relay's own limit from its WELCOME, and the flags only a relay sets.
                    new FrameDecoder(ConnectionHandler.HANDSHAKE_MAX_FRAME_LENGTH,
                        hello.role() == Role.SUBSCRIBER ? FrameDescriptor.RELAY_FLAGS : FrameDescriptor.KNOWN_FLAGS),
                    handler,
                    new ProtocolErrorHandler("client", WARNINGS, (code, n) -> protocolErrors.increment()));
            }
        });
        final ChannelFuture connect = channel.connect(new java.net.InetSocketAddress(config.host(), config.port()));
        connect.addListener(f ->
        {
            if (f.isSuccess())
            {
                channel.writeAndFlush(Frames.hello(channel.alloc(), hello, EpochClock.nanos()));
            }
            else
            {
                handler.welcome.completeExceptionally(new SluiceException(null,
                    "cannot connect to " + config.host() + ":" + config.port() + ": " + f.cause(), f.cause()));
            }
        });
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.connectTimeoutMs());
        InvokedEventLoop.runUntil(channel.eventLoop(), handler.welcome::isDone, deadline);
        try
        {
            handler.welcome.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (final ExecutionException ex)
        {
            channel.close();
            throw ex.getCause() instanceof SluiceException ? (SluiceException)ex.getCause() :
                new SluiceException(null, String.valueOf(ex.getCause()), ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            channel.close();
            throw new SluiceException(null, "no WELCOME from " + config.host() + ":" + config.port() + " within " +
                config.connectTimeoutMs() + " ms", ex);
        }
        catch (final InterruptedException ex)
        {
            channel.close();
            Thread.currentThread().interrupt();
            throw new SluiceException(ErrorCode.INTERNAL, "interrupted while connecting", ex);
        }
    }

    private String tlsFailure(final Throwable cause)
    {
        final String where = config.host() + ":" + config.port();
        if (cause instanceof NotSslRecordException)
        {
            return "TLS handshake with " + where
                + " failed: the relay answered in plain text (is TLS on for its port?)";
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root)
        {
            root = root.getCause();
        }
        final String detail = root == cause ? String.valueOf(cause.getMessage()) :
            cause.getMessage() + " (" + root.getMessage() + ")";
        return "TLS handshake with " + where + " failed: " + detail;
    }

    /**
     * Stops the event loop threads, once the connections are closed; in the invoker mode, runs the loop until it has
     * stopped when called on its owner, and otherwise waits up to 5 seconds for the owner's {@code doWork} to stop it.
     */
    void close()
    {
        if (invoked != null)
        {
            invoked.claim();
        }
        final Future<?> stopped = group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        InvokedEventLoop.await(group.next(), stopped, 5_000);
    }
}
