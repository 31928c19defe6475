package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;

/**
 * Bytes in a channel's outbound buffer the kernel has not taken yet, exactly: the readable bytes of each buffer
 * waiting there. {@link io.sluice.core.netty.OutboundBytes} reads the same from any thread but moves only when a whole
 * buffer is written and counts Netty's overhead per buffer, so a reader that takes a run a few bytes at a time
 * would look stopped; the stuck check needs every byte. It walks the outbound buffer, a few entries, at the check's
 * interval only.
 */
final class UnsentBytes
{
    private UnsentBytes()
    {
    }

    /**
     * Event loop of {@code channel}.
     *
     * @return bytes flushed to {@code channel} and not taken by the kernel yet; 0 once it is closed.
     */
    static long of(final Channel channel)
    {
        final ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        if (outbound == null)
        {
            return 0;
        }
        final long[] sum = {0};
        try
        {
            outbound.forEachFlushedMessage(msg ->
            {
                if (msg instanceof ByteBuf)
                {
                    sum[0] += ((ByteBuf)msg).readableBytes();
                }
                return true;
            });
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
        return sum[0];
    }
}
