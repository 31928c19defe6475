package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.sluice.core.netty.HeartbeatHandler;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.ProtocolException;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * The client side of one connection: completes the handshake, then hands frames to the role's handling.
 * One subclass per role. Frames arrive from {@link io.sluice.core.protocol.FrameDecoder}; each is released here
 * unless {@link #onData} takes it.
 */
abstract class ConnectionHandler extends ChannelInboundHandlerAdapter
{
    /** The longest frame the relay may send before its WELCOME: an ERROR with the longest text. */
    static final int HANDSHAKE_MAX_FRAME_LENGTH = FrameDescriptor.HEADER_LENGTH +
        Math.max(Frames.ACKNOWLEDGED_WELCOME_PAYLOAD_LENGTH, Frames.MAX_ERROR_TEXT_LENGTH + 6);

    final CompletableFuture<Welcome> welcome = new CompletableFuture<>();
    // Completes once the connection's end was handled (onClosed ran): later than the channel's close future.
    final CompletableFuture<Void> inactive = new CompletableFuture<>();
    volatile String closeReason;
    private Welcome welcomed;

    @Override
    public final void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        final ByteBuf frame = (ByteBuf)msg;
        final int index = frame.readerIndex();
        final int type = Frames.type(frame, index);
        if (type == FrameType.DATA)
        {
            if (welcomed == null)
            {
                frame.release();
                throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, "DATA before WELCOME");
            }
            onData(ctx, frame);
            return;
        }
        try
        {
            switch (type)
            {
                case FrameType.WELCOME:
                    onWelcome(ctx, frame, index);
                    break;
                case FrameType.ERROR:
                    final ErrorCode code = Frames.errorCode(frame, index);
                    final String text = Frames.errorText(frame, index);
                    closeReason = "relay error " + code + ": " + text;
                    welcome.completeExceptionally(new SluiceException(code, closeReason, null));
                    ctx.close();
                    break;
                case FrameType.CLOSE:
                    closeReason = "relay closed the connection";
                    ctx.close();
                    break;
                case FrameType.HEARTBEAT:
                    break;
                default:
                    onControl(ctx, frame, index, type);
                    break;
            }
        }
        finally
        {
            frame.release();
        }
    }

    private void onWelcome(final ChannelHandlerContext ctx, final ByteBuf frame, final int index)
    {
        if (welcomed != null)
        {
            throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, "second WELCOME");
        }
        // An acknowledging subscriber's WELCOME is longer: the granted window and what is delivered again.
        final boolean acknowledged = Frames.frameLength(frame, index) >=
            FrameDescriptor.HEADER_LENGTH + Frames.ACKNOWLEDGED_WELCOME_PAYLOAD_LENGTH;
        welcomed = new Welcome(Frames.streamId(frame, index), Frames.sourceId(frame, index),
            Frames.welcomeHeartbeatIntervalMs(frame, index), Frames.welcomeHeartbeatTimeoutMs(frame, index),
            Frames.welcomeMaxFrameLength(frame, index), Frames.sequence(frame, index), acknowledged,
            acknowledged ? Frames.welcomeWindowMessages(frame, index) : 0,
            acknowledged ? Frames.welcomeWindowBytes(frame, index) : 0,
            acknowledged ? Frames.welcomeRedeliveredThrough(frame, index) : 0);
        adoptHeartbeats(ctx, welcomed);
        onWelcomed(ctx, welcomed);
        welcome.complete(welcomed);
    }

    // protocol.md §5: from the WELCOME on, heartbeats go at the relay's interval, which its timeout for our silence is
    // set against; the client's own interval would let the relay drop an idle connection when it outlasts that.
    private static void adoptHeartbeats(final ChannelHandlerContext ctx, final Welcome welcome)
    {
        final HeartbeatHandler configured = ctx.pipeline().get(HeartbeatHandler.class);
        if (configured == null)
        {
            return;
        }
        final int intervalMs = (int)configured.intervalMs();
        final int timeoutMs = (int)configured.timeoutMs();
        final int adoptedIntervalMs = welcome.sendIntervalMs(intervalMs);
        final int adoptedTimeoutMs = welcome.silenceTimeoutMs(timeoutMs, intervalMs);
        if (adoptedIntervalMs != intervalMs || adoptedTimeoutMs != timeoutMs)
        {
            ctx.pipeline().replace(configured, null, new HeartbeatHandler(adoptedIntervalMs, adoptedTimeoutMs));
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        // The error handler behind this one answers and closes; keep what went wrong as the reason.
        final Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (closeReason == null)
        {
            closeReason = root instanceof ProtocolException ?
                "client error " + ((ProtocolException)root).code() + ": " + root.getMessage() :
                root instanceof javax.net.ssl.SSLException ? "TLS error: " + root.getMessage() :
                root instanceof IOException ? "I/O error: " + root.getMessage() : String.valueOf(root);
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception
    {
        if (closeReason == null)
        {
            closeReason = "connection closed";
        }
        welcome.completeExceptionally(new SluiceException(null, closeReason, null));
        try
        {
            onClosed();
        }
        finally
        {
            inactive.complete(null);
        }
        super.channelInactive(ctx);
    }

    /**
     * Called on the event loop once the WELCOME arrived, before the handshake future completes.
     */
    abstract void onWelcomed(ChannelHandlerContext ctx, Welcome welcome);

    /**
     * A run of DATA frames (see FrameDecoder); the callee owns and releases it.
     */
    abstract void onData(ChannelHandlerContext ctx, ByteBuf run);

    /**
     * ACK or GAP; released by the caller.
     */
    abstract void onControl(ChannelHandlerContext ctx, ByteBuf frame, int index, int type);

    /**
     * The connection is gone; release whatever is held.
     */
    abstract void onClosed();
}
