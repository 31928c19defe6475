package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.ProtocolException;

/**
 * The subscriber's side of a connection: takes every frame the relay's WELCOME allows, and besides runs of DATA,
 * GAP notices; any other frame is a protocol error.
 */
abstract class SubscriptionHandler extends ConnectionHandler
{
    private final SubscriberEndpoint subscription;

    SubscriptionHandler(final SubscriberEndpoint subscription)
    {
        this.subscription = subscription;
    }

    @Override
    final void onWelcomed(final ChannelHandlerContext ctx, final Welcome welcome)
    {
        // Whatever the relay accepts from publishers it may send here: take frames up to its limit.
        ctx.pipeline().get(FrameDecoder.class).maxFrameLength(
            Math.max(welcome.maxFrameLength(), HANDSHAKE_MAX_FRAME_LENGTH));
        subscription.welcomed(welcome);
    }

    @Override
    final void onControl(final ChannelHandlerContext ctx, final ByteBuf frame, final int index, final int type)
    {
        if (type != FrameType.GAP)
        {
            throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, FrameType.name(type) + " sent to a subscriber");
        }
        onGap(ctx, frame);
    }

    /**
     * A GAP frame, released by the caller.
     */
    abstract void onGap(ChannelHandlerContext ctx, ByteBuf frame);
}
