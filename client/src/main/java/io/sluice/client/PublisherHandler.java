package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.ProtocolException;

/**
 * The publisher's side of a connection: the relay's WELCOME goes to the publication, then what a relay sends a
 * publisher is its ACKs; DATA or any other frame is a protocol error.
 */
abstract class PublisherHandler extends ConnectionHandler
{
    private final PublicationEndpoint publication;

    PublisherHandler(final PublicationEndpoint publication)
    {
        this.publication = publication;
    }

    @Override
    final void onWelcomed(final ChannelHandlerContext ctx, final Welcome welcome)
    {
        publication.welcomed(welcome);
    }

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
        final long sequence = Frames.sequence(frame, index);
        publication.ackedSequence = sequence;
        onAck(sequence);
    }

    /**
     * The relay accepted every frame up to {@code sequence} into every lane of the stream; the publication has
     * recorded it already.
     */
    void onAck(final long sequence)
    {
    }
}
