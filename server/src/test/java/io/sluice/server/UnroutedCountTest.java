package io.sluice.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.lane.Lane;
import io.sluice.server.producer.ProducerHandler;
import io.sluice.server.stream.Stream;
import io.sluice.server.stream.StreamRegistry;
import io.sluice.server.subscriber.SubscriberHandler;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream accounts for every message it receives: each goes into a lane or, when no lane took it, counts as
 * unrouted, so that for a stream with one subscriber received = accepted by the lane + unrouted. Driven directly:
 * a publisher's pipeline and a subscriber's lane on embedded channels, the subscriber's event loop run by hand.
 */
class UnroutedCountTest
{
    private static final int FRAMES_PER_READ = 10;
    private static final int PAYLOAD = 8;

    @Test
    void aRunBlockedWhenItsOnlySubscriberLeavesCountsAsUnrouted()
    {
        final StreamConfig config = StreamConfig.DEFAULT.withLaneBytes(1024);
        final Stream stream = new Stream("unrouted", 1, config);
        final RelayMetrics metrics = new RelayMetrics(new StreamRegistry(RelayConfig.builder().build()));
        final EmbeddedChannel subscriber = new EmbeddedChannel();
        final Lane lane = new Lane(subscriber, stream.name(), "", config, null, null);
        subscriber.pipeline().addLast(new SubscriberHandler(stream, lane, metrics.counters(), metrics.laneRoster()));
        final EmbeddedChannel publisher = new EmbeddedChannel(
            new FrameDecoder(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH),
            new ProducerHandler(stream, 1, metrics.counters(), metrics.producerRoster()));
        try
        {
            publishUntilBlockedThenLoseTheSubscriber(stream, metrics, subscriber, lane, publisher);
        }
        finally
        {
            publisher.finishAndReleaseAll();
            subscriber.finishAndReleaseAll();
        }
    }

    private static void publishUntilBlockedThenLoseTheSubscriber(final Stream stream, final RelayMetrics metrics,
        final EmbeddedChannel subscriber, final Lane lane, final EmbeddedChannel publisher)
    {
        long sequence = 0;
        // The subscriber's loop does not run, so its lane fills: 3 reads fit in 1 KiB, the 4th is blocked and the
        // publisher paused; what it had read already is held behind it.
        for (int read = 0; read < 6; read++)
        {
            publisher.writeInbound(reads(sequence));
            sequence += FRAMES_PER_READ;
        }
        assertTrue(metrics.heldBytes() > 0, "the publisher holds runs the lane refused");
        assertEquals(3L * FRAMES_PER_READ, lane.messagesAccepted(), "the lane took three reads");

        // The subscriber leaves while the 4th read is blocked on its lane; the publisher retries and goes on.
        subscriber.close();
        publisher.runPendingTasks();
        publisher.writeInbound(reads(sequence));
        sequence += FRAMES_PER_READ;

        assertEquals(0, metrics.heldBytes(), "nothing held any more");
        assertEquals(sequence, stream.messagesIn(), "received");
        assertEquals(stream.messagesIn(), lane.messagesAccepted() + stream.messagesUnrouted(),
            "received = accepted by the lane + unrouted; unrouted " + stream.messagesUnrouted());
    }

    // One socket read's worth of DATA frames from source 1 of stream 1.
    private static ByteBuf reads(final long firstSequence)
    {
        final ByteBuf buf = Unpooled.directBuffer();
        for (int i = 0; i < FRAMES_PER_READ; i++)
        {
            Frames.writeHeader(buf, FrameDescriptor.HEADER_LENGTH + PAYLOAD, FrameType.DATA, 0, 1, 1,
                firstSequence + i, 0);
            buf.writeLong(firstSequence + i);
        }
        return buf;
    }
}
