package io.sluice.server.peer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.sluice.core.protocol.ProtocolException;
import io.sluice.core.util.RateLimitedLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One log line when a relay connection opens and one when it closes, with the peer's address, its role and stream,
 * why it closed, and how many messages it moved.
 * <p>
 * A connection counts as opened once its HELLO is accepted (the relay answered WELCOME): both lines are then at INFO,
 * through the relay's rate limit for them (a flood of short connections must not write megabytes of log; the line
 * after a suppressed stretch says how many were left out). A connection that never gets that far (a port scan, a
 * load balancer's TCP check, a client refused at HELLO for its
 * token, a timeout or a malformed frame) logs both lines at DEBUG only: a flood of bad clients must not flood the
 * log. Its protocol error still gets {@code ProtocolErrorHandler}'s rate-limited WARN and is counted in the metrics.
 * <p>
 * Sits just before the last handler ({@code ProtocolErrorHandler}), so it sees every exception on its way to being
 * handled and keeps the first as the reason; a close with no reason recorded was the peer's (EOF or a CLOSE frame).
 * The relay records its own reasons (a shutdown) with {@link #closing(Channel, String)} before it closes.
 */
public final class ConnectionLog extends ChannelInboundHandlerAdapter
{
    public static final String SHUTTING_DOWN = "relay shutting down";

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLog.class);

    private final RateLimitedLogger infoLines;
    private final long openedNanos = System.nanoTime();
    private volatile String reason;

    // Event loop only.
    private SocketAddress peer;
    private String role = "connection";
    private String stream;
    private LongSupplier messagesIn;
    private LongSupplier messagesOut;
    private boolean logged;

    /**
     * @param infoLines the relay's rate limit for the INFO lines of all its connections.
     */
    public ConnectionLog(final RateLimitedLogger infoLines)
    {
        this.infoLines = infoLines;
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        peer = ctx.channel().remoteAddress();
        LOG.debug("connection {} accepted", peer);
    }

    /**
     * Event loop, when the relay answered the HELLO: the INFO line for the opened connection.
     *
     * @param role "publisher" or "subscriber".
     * @param stream the stream's name.
     * @param detail what else identifies it ("as source 3", "(spill, subscription 'audit')").
     * @param in messages received for this connection so far (from a publisher, or accepted by a subscriber's lane).
     * @param out messages written to it so far; null for a publisher.
     */
    public void opened(
        final String role, final String stream, final String detail, final LongSupplier in, final LongSupplier out)
    {
        this.role = role;
        this.stream = stream;
        this.messagesIn = in;
        this.messagesOut = out;
        infoLines.info("{} {} opened on stream '{}' {}", role, peer, stream, detail);
    }

    /**
     * Any thread: the relay is about to close {@code channel} (or end it gracefully) for {@code why}. The first reason
     * recorded is the one logged.
     */
    public static void closing(final Channel channel, final String why)
    {
        final ConnectionLog log = channel.pipeline().get(ConnectionLog.class);
        if (log != null && log.reason == null)
        {
            log.reason = why;
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        // A write that failed because the channel was closed already (a subscriber's CLOSE read while frames waited
        // to be written) is a consequence of the close, not its reason.
        if (reason == null && !(cause instanceof ClosedChannelException))
        {
            reason = describe(cause);
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception
    {
        logClosed();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        logClosed();
    }

    private void logClosed()
    {
        if (logged)
        {
            return;
        }
        logged = true;
        final String why = reason == null ? "peer closed" : reason;
        final String lasted = String.format(
            "%.1f s", (System.nanoTime() - openedNanos) / (double)TimeUnit.SECONDS.toNanos(1));
        if (stream == null)
        {
            LOG.debug("connection {} closed after {} before its HELLO was accepted: {}", peer, lasted, why);
        }
        else if (messagesOut == null)
        {
            infoLines.info("{} {} closed on stream '{}' after {}: {}; {} messages in", role, peer, stream, lasted, why,
                messagesIn.getAsLong());
        }
        else
        {
            infoLines.info("{} {} closed on stream '{}' after {}: {}; {} messages in, {} out", role, peer, stream,
                lasted, why,
                messagesIn.getAsLong(), messagesOut.getAsLong());
        }
    }

    /** @return the reason for a close caused by {@code cause}, as the close line gives it. */
    static String describe(final Throwable cause)
    {
        final Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof ProtocolException)
        {
            final ProtocolException ex = (ProtocolException)root;
            switch (ex.code())
            {
                case HELLO_TIMEOUT:
                    return "hello timeout";
                case HEARTBEAT_TIMEOUT:
                    return "heartbeat timeout";
                case AUTH_FAILED:
                    return "auth failed";
                case SHUTTING_DOWN:
                    return SHUTTING_DOWN;
                default:
                    return "protocol error " + ex.code() + " (" + ex.getMessage() + ")";
            }
        }
        if (root instanceof IOException)
        {
            return "I/O error (" + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage()) +
                ")";
        }
        return "internal error (" + root + ")";
    }
}
