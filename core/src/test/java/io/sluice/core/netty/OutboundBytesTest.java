package io.sluice.core.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link OutboundBytes} reads through the public API agrees with the outbound buffer's own count (read here on
 * the channel's event loop, where that is allowed) below and above the high water mark.
 */
class OutboundBytesTest
{
    @Test
    void agreesWithTheOutboundBufferOnBothSidesOfTheWaterMarks()
    {
        final EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1_000, 4_000));
        final ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        try
        {
            assertEquals(0, OutboundBytes.pending(channel));
            for (int i = 0; i < 30; i++)
            {
                channel.write(Unpooled.buffer(300).writerIndex(300 - i));
                assertEquals(outbound.totalPendingWriteBytes(), OutboundBytes.pending(channel), "after write " + i);
            }
            assertFalse(channel.isWritable(), "past the high water mark");
            channel.flush();
            assertTrue(channel.isWritable());
            assertEquals(0, OutboundBytes.pending(channel));
        }
        finally
        {
            channel.finishAndReleaseAll();
        }
        assertEquals(0, OutboundBytes.pending(channel), "closed");
    }
}
