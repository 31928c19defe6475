package io.sluice.core.netty;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.ProtocolException;
import io.sluice.core.util.EpochClock;
import io.sluice.core.util.RateLimitedLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ObjIntConsumer;

/**
 * Last handler of every Sluice pipeline. A {@link ProtocolException} from anywhere before it becomes an ERROR
 * frame naming what was wrong, one rate-limited WARN line with the peer's address, a count by code, and the
 * close of this connection only. I/O errors close quietly; anything else is reported as
 * {@link ErrorCode#INTERNAL}, with one rate-limited ERROR line (a stack trace for the first fault of each class).
 */
@ChannelHandler.Sharable
public final class ProtocolErrorHandler extends ChannelInboundHandlerAdapter
{
    private static final Logger LOG = LoggerFactory.getLogger(ProtocolErrorHandler.class);

    private static final long CLOSE_GRACE_MS = 1000;

    private static final int ERRORS_PER_SECOND = 10;

    private final RateLimitedLogger warnings;
    private final RateLimitedLogger errors = new RateLimitedLogger(LOG, ERRORS_PER_SECOND);
    private final Set<Class<?>> tracedFaults = ConcurrentHashMap.newKeySet();
    private final ObjIntConsumer<ErrorCode> onError;
    private final String side;

    /**
     * @param side who is speaking, for the log ("relay", "client").
     * @param warnings the shared rate limiter for WARN lines.
     * @param onError told of every protocol error; the int is 1 (for a counter).
     */
    public ProtocolErrorHandler(
        final String side, final RateLimitedLogger warnings, final ObjIntConsumer<ErrorCode> onError)
    {
        this.side = side;
        this.warnings = warnings;
        this.onError = onError;
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        final Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof ProtocolException)
        {
            final ProtocolException ex = (ProtocolException)root;
            onError.accept(ex.code(), 1);
            warnings.warn("{}: closing {}: {} {}", side, ctx.channel().remoteAddress(), ex.code(), ex.getMessage());
            sendErrorAndClose(ctx, ex.code(), ex.getMessage());
        }
        else if (root instanceof IOException)
        {
            LOG.debug("{}: I/O error on {}: {}", side, ctx.channel().remoteAddress(), root.toString());
            ctx.close();
        }
        else
        {
            onError.accept(ErrorCode.INTERNAL, 1);
            logInternal(ctx, root);
            try
            {
                sendErrorAndClose(ctx, ErrorCode.INTERNAL, String.valueOf(root));
            }
            catch (final OutOfMemoryError ex)
            {
                // No memory for the ERROR frame either: close without it.
                ctx.close();
            }
        }
    }

    // Rate-limited like the WARNs. The stack trace goes with the first fault of each class only: a fault that hits
    // every connection (a bug on a common path) must not write a trace per connection. Out of memory, most often
    // direct memory that one connection could not get, never has one: where it was thrown says little.
    private void logInternal(final ChannelHandlerContext ctx, final Throwable fault)
    {
        if (!(fault instanceof OutOfMemoryError) && tracedFaults.add(fault.getClass()))
        {
            errors.error("{}: internal error on {}", side, ctx.channel().remoteAddress(), fault);
        }
        else
        {
            errors.error("{}: internal error on {}: {}", side, ctx.channel().remoteAddress(), fault.toString());
        }
    }

    /**
     * Writes an ERROR frame and closes once it is flushed (or at once when the channel is already gone).
     *
     * @param ctx any context of the channel.
     * @param code what was wrong.
     * @param text what exactly.
     */
    public static void sendErrorAndClose(final ChannelHandlerContext ctx, final ErrorCode code, final String text)
    {
        // Nothing the peer sent after the offending frame is handled, and the close is not a second error.
        FrameDecoder.discardInput(ctx.pipeline());
        if (ctx.channel().isActive())
        {
            ctx.channel().config().setAutoRead(false);
            ctx.channel().writeAndFlush(Frames.error(ctx.alloc(), code, text, EpochClock.nanos()))
                .addListener(ChannelFutureListener.CLOSE);
            // A peer that does not read would never let the ERROR flush: close regardless, a little later.
            ctx.executor().schedule(() -> ctx.channel().close(), CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
        }
        else
        {
            ctx.close();
        }
    }
}
