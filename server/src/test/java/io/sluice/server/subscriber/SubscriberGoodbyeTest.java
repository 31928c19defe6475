package io.sluice.server.subscriber;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.server.RelayMetrics;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.lane.Lane;
import io.sluice.server.stream.Stream;
import io.sluice.server.stream.StreamRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A subscriber's CLOSE, driven directly: the relay lets go of the subscription's name and takes the lane out of the
 * stream before the connection closes, so whoever sees the close may take the name again.
 */
class SubscriberGoodbyeTest
{
    @Test
    void closeLetsGoOfTheNameBeforeTheConnectionCloses()
    {
        final Stream stream = new Stream("goodbye", 1, StreamConfig.DEFAULT);
        final RelayMetrics metrics = new RelayMetrics(new StreamRegistry(RelayConfig.builder().build()));
        final NameFreeAtClose nameFreeAtClose = new NameFreeAtClose(stream, "audit");
        final EmbeddedChannel channel = new EmbeddedChannel(nameFreeAtClose);
        try
        {
            final Runnable nothing = () ->
            {
            };
            stream.subscriptionClaims().claim("audit", channel, nothing, nothing);
            final Lane lane = new Lane(channel, stream.name(), "audit", StreamConfig.DEFAULT, null, null);
            channel.pipeline().addLast(new SubscriberHandler(stream, lane, metrics.counters(), metrics.laneRoster()));
            assertTrue(stream.subscriptionClaims().isHeld("audit"), "held while the subscriber is connected");
            assertEquals(1, stream.lanes().length);

            channel.writeInbound(Frames.empty(channel.alloc(), FrameType.CLOSE, 0, 0, 0, 0));

            assertFalse(channel.isOpen(), "the relay closes the connection after CLOSE");
            assertTrue(nameFreeAtClose.free, "the name was free when the close left the pipeline");
            assertEquals(0, nameFreeAtClose.lanesAtClose, "the lane had left the stream");
        }
        finally
        {
            channel.finishAndReleaseAll();
        }
    }

    // At the head of the pipeline: sees the close on its way to the socket, before the channel goes inactive.
    private static final class NameFreeAtClose extends ChannelOutboundHandlerAdapter
    {
        private final Stream stream;
        private final String name;
        boolean free;
        int lanesAtClose = -1;

        NameFreeAtClose(final Stream stream, final String name)
        {
            this.stream = stream;
            this.name = name;
        }

        @Override
        public void close(final ChannelHandlerContext ctx, final ChannelPromise promise) throws Exception
        {
            lanesAtClose = stream.lanes().length;
            free = !stream.subscriptionClaims().isHeld(name);
            super.close(ctx, promise);
        }
    }
}
