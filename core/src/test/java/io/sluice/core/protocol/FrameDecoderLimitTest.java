package io.sluice.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A decoder's limit changed after it started, as a client changes it on the relay's WELCOME.
 */
class FrameDecoderLimitTest
{
    private static ByteBuf data(final int length)
    {
        final ByteBuf buf = Unpooled.buffer();
        Frames.writeHeader(buf, length, FrameType.DATA, 0, 1, 1, 0, 0);
        buf.writeZero(length - FrameDescriptor.HEADER_LENGTH);
        return buf;
    }

    @Test
    void aRaisedLimitAppliesFromTheNextFrame()
    {
        final FrameDecoder decoder = new FrameDecoder(64);
        final EmbeddedChannel channel = new EmbeddedChannel(decoder);
        channel.writeInbound(data(64));
        final ByteBuf small = channel.readInbound();
        assertEquals(64, small.readableBytes());
        small.release();

        decoder.maxFrameLength(4096);
        channel.writeInbound(data(4096));
        final ByteBuf large = channel.readInbound();
        assertEquals(4096, large.readableBytes());
        large.release();

        final DecoderException ex = assertThrows(DecoderException.class, () -> channel.writeInbound(data(4097)));
        assertEquals(ErrorCode.FRAME_TOO_LARGE, ((ProtocolException)ex.getCause()).code());
        assertThrows(IllegalArgumentException.class, () -> decoder.maxFrameLength(FrameDescriptor.HEADER_LENGTH - 1));
        channel.finishAndReleaseAll();
    }
}
