package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.ProtocolException;

/**
 * The publisher's side of a connection: what a relay sends a publisher is its ACKs; DATA or any other frame is a
 * protocol error.
 */
abstract class PublisherHandler extends ConnectionHandler
{
    @Override
    final void onData(final ChannelHandlerContext ctx, final ByteBuf run)
    {
        run.release();
        throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, "DATA sent to a publisher");
    }

    @Override
    final void onControl(final ChannelHandlerContext ctx, final ByteBuf frame, final int index, final int type)
    {
        if (type != FrameType.ACK)
        {
            throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, FrameType.name(type) + " sent to a publisher");
        }
        onAck(Frames.sequence(frame, index));
    }

    /**
     * The relay accepted every frame up to {@code sequence} into every lane of the stream.
     */
    abstract void onAck(long sequence);
}
