package io.sluice.server.producer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.server.EmbeddedLanes;
import io.sluice.server.RelayMetrics;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.counters.Roster;
import io.sluice.server.lane.Lane;
import io.sluice.server.stream.Stream;
import io.sluice.server.stream.StreamRegistry;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A publisher whose connection ends while its stream holds it, driven directly: the run a full lane refused and the
 * runs read after it were counted in but never taken by the lane, so they are counted as gone with the publisher, and
 * the stream's books balance: in = taken by the lane + gone with the publisher.
 */
class PublisherGoneTest
{
    private static final int STREAM_ID = 4;
    private static final int SOURCE_ID = 6;
    /** Two frames fill a lane of 1 KiB: the third is refused. */
    private static final int PAYLOAD = 500;

    private final RelayMetrics metrics = new RelayMetrics(new StreamRegistry(RelayConfig.builder().build()));
    private final EmbeddedLanes embedded = new EmbeddedLanes(metrics);

    @AfterEach
    void close()
    {
        embedded.close();
    }

    @Test
    void whatAPublisherLeftHeldIsCountedAsGoneWithIt()
    {
        final Stream stream = new Stream("gone", STREAM_ID, StreamConfig.DEFAULT.withLaneBytes(1024));
        final Lane lane = embedded.lane(stream, embedded.subscriber());
        final EmbeddedChannel publisher = embedded.keep(new EmbeddedChannel(new ProducerHandler(stream, SOURCE_ID,
            metrics.counters(), new Roster<>(), null, SystemNanoClock.INSTANCE, null)));
        for (int sequence = 0; sequence < 5; sequence++)
        {
            publisher.writeInbound(data(sequence));
        }
        assertEquals(5, stream.messagesIn());
        assertEquals(2, lane.messagesAccepted(), "the lane is full after two");

        publisher.close();
        assertEquals(3, stream.messagesGoneWithPublisher(), "the refused run and the two read after it");
        assertEquals(stream.messagesIn(), lane.messagesAccepted() + stream.messagesGoneWithPublisher());
        assertEquals(3, stream.snapshot().goneWithPublisher());
        assertEquals(0, metrics.heldBytes(), "nothing is held any more");
    }

    private static ByteBuf data(final long sequence)
    {
        final ByteBuf frame = Unpooled.directBuffer(HEADER_LENGTH + PAYLOAD);
        Frames.writeHeader(frame, HEADER_LENGTH + PAYLOAD, FrameType.DATA, 0, STREAM_ID, SOURCE_ID, sequence, 0);
        frame.writeZero(PAYLOAD);
        return frame;
    }
}
