package io.sluice.core.netty;

import io.netty.channel.Channel;

/**
 * Bytes waiting in a channel's outbound buffer, read from any thread through the channel's public writability API.
 * {@code Channel.unsafe()} and its outbound buffer belong to the channel's event loop; {@link Channel#isWritable()},
 * {@link Channel#bytesBeforeUnwritable()} and {@link Channel#bytesBeforeWritable()} may be read anywhere.
 * <p>
 * By their contracts the buffer turns unwritable once it holds more than the high water mark, and writable again
 * once it holds less than the low water mark, so while writable it holds {@code high + 1 - bytesBeforeUnwritable}
 * and while unwritable {@code low - 1 + bytesBeforeWritable}. Exact except in the moment between two of the reads
 * when the buffer crosses a mark; then a mark is the answer.
 */
public final class OutboundBytes
{
    private OutboundBytes()
    {
    }

    /**
     * @param channel any channel; any thread.
     * @return bytes in its outbound buffer (Netty counts each buffered message's overhead in), 0 once it is closed.
     */
    public static long pending(final Channel channel)
    {
        final long beforeUnwritable = channel.bytesBeforeUnwritable();
        if (beforeUnwritable > 0)
        {
            return channel.config().getWriteBufferHighWaterMark() + 1L - beforeUnwritable;
        }
        final long beforeWritable = channel.bytesBeforeWritable();
        if (beforeWritable == Long.MAX_VALUE)
        {
            // No outbound buffer: the channel is closed.
            return 0;
        }
        if (beforeWritable > 0)
        {
            return channel.config().getWriteBufferLowWaterMark() - 1L + beforeWritable;
        }
        return channel.isWritable() ? channel.config().getWriteBufferHighWaterMark() :
            channel.config().getWriteBufferLowWaterMark();
    }
}
