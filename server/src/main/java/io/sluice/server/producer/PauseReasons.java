package io.sluice.server.producer;

import io.netty.channel.ChannelHandlerContext;
import io.sluice.server.stream.Stream;

/**
 * Why a publisher's connection is not being read, as a bit mask: reading stops while any reason holds, so that
 * lifting one reason (a lane made room) cannot undo another (the relay is shutting down). The stream is told when
 * the publisher pauses and resumes, for its paused-time figures.
 * <p>
 * Publisher's event loop only.
 */
final class PauseReasons
{
    // Under the handler's name: the publisher's pauses are part of its connection's story in the log.
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProducerHandler.class);

    /** A lane of the stream is full. */
    static final int LANE_FULL = 1;
    /** The relay is shutting down and takes no new input. */
    static final int SHUTDOWN = 2;
    /** The principal's connections are ahead of its publish rate. */
    static final int RATE = 4;
    /** The publisher sent CLOSE or ERROR: it sends nothing more. */
    static final int CLOSING = 0x8000_0000;

    private final Stream stream;
    private int reasons;
    private long pausedSinceNanos;

    PauseReasons(final Stream stream)
    {
        this.stream = stream;
    }

    /** @return whether {@code reason} is one of the reasons the connection is not read. */
    boolean has(final int reason)
    {
        return (reasons & reason) != 0;
    }

    /** Stops reading the connection, for {@code reason} among any others. */
    void pause(final ChannelHandlerContext ctx, final int reason)
    {
        if (reasons == 0)
        {
            pausedSinceNanos = System.nanoTime();
            stream.onPaused(pausedSinceNanos);
            if (LOG.isDebugEnabled())
            {
                LOG.debug("publisher {} of stream '{}' paused ({})", ctx.channel().remoteAddress(), stream.name(),
                    describe(reason));
            }
        }
        reasons |= reason;
        ctx.channel().config().setAutoRead(false);
    }

    /** Lifts {@code reason}; reading starts again once no reason is left and the connection is open. */
    void resume(final ChannelHandlerContext ctx, final int reason)
    {
        final boolean wasPaused = reasons != 0;
        reasons &= ~reason;
        if (reasons == 0 && wasPaused)
        {
            final long now = stream.onResumed(pausedSinceNanos);
            if (LOG.isDebugEnabled())
            {
                LOG.debug("publisher {} of stream '{}' resumed after {} µs", ctx.channel().remoteAddress(),
                    stream.name(), (now - pausedSinceNanos) / 1000);
            }
        }
        if (reasons == 0 && ctx.channel().isActive())
        {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** Lifts every reason without touching the channel: the connection is gone. */
    void clear()
    {
        if (reasons != 0)
        {
            reasons = 0;
            stream.onResumed(pausedSinceNanos);
        }
    }

    private static String describe(final int reason)
    {
        return reason == LANE_FULL ? "a lane is full" : reason == SHUTDOWN ? "shutting down" :
            reason == RATE ? "ahead of its principal's publish rate" : "closing";
    }
}
