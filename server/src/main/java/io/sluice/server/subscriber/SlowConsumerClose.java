package io.sluice.server.subscriber;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.protocol.Frames;
import io.sluice.core.util.EpochClock;
import io.sluice.server.peer.ConnectionLog;

import java.util.concurrent.TimeUnit;

/**
 * Ends a stuck subscriber's connection: ERROR {@code SLOW_CONSUMER}, then the close once it is flushed. The ERROR
 * queues behind what the subscriber's kernel already holds, so a subscriber that comes back to reading finds it
 * after its last whole frame; one that never does is closed after a grace period all the same.
 */
final class SlowConsumerClose
{
    /** Least grace: as long as any other ERROR gets. */
    private static final long MIN_GRACE_MS = 1000;

    private SlowConsumerClose()
    {
    }

    /**
     * Channel's event loop.
     *
     * @param text the ERROR's text: the stream and how long it made no progress.
     * @param stuckAfterMs the stream's stuck-after: the grace is as long (at least 1 s), the time the subscriber had
     *                     already to take a byte.
     */
    static void send(final Channel channel, final String text, final long stuckAfterMs)
    {
        ConnectionLog.closing(channel, "slow consumer: " + text);
        FrameDecoder.discardInput(channel.pipeline());
        if (!channel.isActive())
        {
            channel.close();
            return;
        }
        channel.config().setAutoRead(false);
        channel.writeAndFlush(Frames.error(channel.alloc(), ErrorCode.SLOW_CONSUMER, text, EpochClock.nanos()))
            .addListener(ChannelFutureListener.CLOSE);
        channel.eventLoop().schedule(() -> channel.close(), Math.max(MIN_GRACE_MS, stuckAfterMs),
            TimeUnit.MILLISECONDS);
    }
}
