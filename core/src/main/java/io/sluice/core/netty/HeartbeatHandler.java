package io.sluice.core.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.ProtocolException;
import io.sluice.core.util.EpochClock;

import java.util.concurrent.TimeUnit;

/**
 * Keeps a connection honest in both directions: sends a HEARTBEAT every interval while the channel is
 * writable, and raises {@link ErrorCode#HEARTBEAT_TIMEOUT} when nothing has been read for the timeout
 * <em>while we were reading</em>. Two kinds of our own silence are not the peer's, so the clock restarts after
 * them:
 * <ul>
 * <li>reads we paused ourselves (autoRead off, to throttle the connection);</li>
 * <li>time this event loop did not run at all: its thread was blocked, or the whole process was stopped (SIGSTOP,
 * a debugger, a VM paused). What the peer sent meanwhile waits unread in the socket, so a check that comes
 * later than it should, by more than half the slack between interval and timeout (at most one interval), only
 * restarts the clock; the next read takes in what waited.</li>
 * </ul>
 * <p>
 * Sits right after the socket, before the decoder, so any inbound byte counts as a sign of life. Inbound
 * HEARTBEAT frames need no handling beyond that; the next handler discards them.
 */
public final class HeartbeatHandler extends ChannelDuplexHandler
{
    private final long intervalNanos;
    private final long timeoutNanos;
    private final long lateTickNanos;
    private long lastReadNanos;
    private long lastTickNanos;
    private ScheduledFuture<?> tick;

    /**
     * @param intervalMs how often to send a heartbeat and check the peer.
     * @param timeoutMs how long the peer may stay silent while we read.
     */
    public HeartbeatHandler(final long intervalMs, final long timeoutMs)
    {
        if (intervalMs <= 0 || timeoutMs <= intervalMs)
        {
            throw new IllegalArgumentException(
                "need 0 < interval (" + intervalMs + " ms) < timeout (" + timeoutMs + " ms)");
        }
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        this.lateTickNanos = intervalNanos + Math.min(intervalNanos, (timeoutNanos - intervalNanos) / 2);
    }

    /**
     * @return how often it sends a heartbeat and checks the peer, in milliseconds.
     */
    public long intervalMs()
    {
        return TimeUnit.NANOSECONDS.toMillis(intervalNanos);
    }

    /**
     * @return how long the peer may stay silent while we read, in milliseconds.
     */
    public long timeoutMs()
    {
        return TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        if (ctx.channel().isActive())
        {
            start(ctx);
        }
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx) throws Exception
    {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(final ChannelHandlerContext ctx)
    {
        if (tick == null)
        {
            lastReadNanos = ctx.executor().ticker().nanoTime();
            lastTickNanos = lastReadNanos;
            // Fixed delay, not fixed rate: after a stall one check runs, not a burst of missed ones.
            tick = ctx.executor().scheduleWithFixedDelay(() -> onTick(ctx), intervalNanos, intervalNanos,
                TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        lastReadNanos = ctx.executor().ticker().nanoTime();
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception
    {
        stop();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        stop();
    }

    private void stop()
    {
        if (tick != null)
        {
            tick.cancel(false);
        }
    }

    private void onTick(final ChannelHandlerContext ctx)
    {
        final long now = ctx.executor().ticker().nanoTime();
        final boolean late = now - lastTickNanos > lateTickNanos;
        lastTickNanos = now;
        if (!ctx.channel().config().isAutoRead() || late)
        {
            lastReadNanos = now;
        }
        else if (now - lastReadNanos > timeoutNanos)
        {
            stop();
            ctx.fireExceptionCaught(new ProtocolException(ErrorCode.HEARTBEAT_TIMEOUT,
                "nothing received for " + TimeUnit.NANOSECONDS.toMillis(now - lastReadNanos) + " ms (timeout " +
                TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms)"));
            return;
        }
        if (ctx.channel().isWritable())
        {
            final ByteBuf heartbeat = Frames.empty(ctx.alloc(), FrameType.HEARTBEAT, 0, 0, 0, EpochClock.nanos());
            ctx.writeAndFlush(heartbeat, ctx.voidPromise());
        }
    }
}
