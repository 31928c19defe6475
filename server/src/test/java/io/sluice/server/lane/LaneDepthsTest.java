package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.server.producer.ProducerHandler;
import io.sluice.server.producer.ProducerSnapshot;
import io.sluice.server.EmbeddedLanes;
import io.sluice.server.RelayMetrics;
import io.sluice.server.stream.Stream;
import io.sluice.server.stream.StreamRegistry;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.tier.memory.MemoryTier;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the lanes view reads from the relay, driven directly: a publisher's handler and lanes on embedded channels,
 * whose event loops run only when told, subscribers made unwritable by hand, and a clock advanced by hand. A lane
 * that refuses a publisher's run holds it until it takes the run, and both sides count the time; a lane measures what
 * waits in each tier and the timestamp of its oldest waiting message.
 */
class LaneDepthsTest
{
    private static final int STREAM_ID = 1;
    private static final int SOURCE_ID = 1;
    /** Two frames fill a lane of 1 KiB: the third is refused. */
    private static final int PAYLOAD = 500;
    private static final long FIRST_TIMESTAMP = 1_700_000_000_000_000_000L;

    private final RelayMetrics metrics = new RelayMetrics(new StreamRegistry(RelayConfig.builder().build()));
    private final EmbeddedLanes embedded = new EmbeddedLanes(metrics);
    private final CachedNanoClock clock = new CachedNanoClock();

    @AfterEach
    void close()
    {
        embedded.close();
    }

    @Test
    void aLaneHoldsThePublisherFromItsRefusalUntilItTakesTheRunAndBothSidesCountIt() throws Exception
    {
        final Stream stream = new Stream("blame", STREAM_ID, StreamConfig.DEFAULT.withLaneBytes(1024));
        final EmbeddedChannel first = embedded.subscriber();
        final EmbeddedChannel second = embedded.subscriber();
        final Lane a = embedded.lane(stream, first);
        final Lane b = embedded.lane(stream, second);
        final EmbeddedChannel publisher = publisher(stream);

        clock.update(1_000);
        for (int sequence = 0; sequence < 3; sequence++)
        {
            publisher.writeInbound(data(sequence));
        }
        assertEquals(1, a.holds().holding(), "the third frame refused: the lane holds the publisher");
        assertEquals(1, b.holds().holding());
        assertFalse(publisher.config().isAutoRead());
        clock.update(1_500);
        ProducerSnapshot producer = measured(publisher, first, second).producers().get(0);
        assertTrue(producer.pausedNow());
        assertEquals(2, producer.holders().size());
        assertTrue(producer.holders().stream().allMatch(ProducerSnapshot.Holder::holdingNow));
        assertEquals(500, producer.holders().get(0).heldNanos(), "a hold in progress counts up to now");
        assertEquals(500, producer.throttledNanos());

        // The first subscriber reads: its lane takes the run, the second still holds the publisher.
        clock.update(3_000);
        drain(first, a);
        publisher.runPendingTasks();
        assertEquals(0, a.holds().holding());
        assertEquals(1, b.holds().holding());
        assertEquals(2_000, a.holds().heldNanos(3_000), "held from the refusal until the lane took the run");
        assertEquals(2_000, a.holds().heldNanos(9_000), "an ended hold no longer grows");
        assertEquals(8_000, b.holds().heldNanos(9_000), "a hold in progress counts up to now");

        clock.update(7_000);
        drain(second, b);
        publisher.runPendingTasks();
        assertTrue(publisher.config().isAutoRead(), "every lane took the run: reading again");
        assertEquals(0, b.holds().holding());
        assertEquals(6_000, b.holds().heldNanos(9_000));

        clock.update(9_000);
        producer = measured(publisher, first, second).producers().get(0);
        assertFalse(producer.pausedNow());
        assertEquals(2_000, producer.holders().get(0).heldNanos(), "the same time on both sides");
        assertEquals(6_000, producer.holders().get(1).heldNanos());
        assertEquals(6_000, producer.throttledNanos(),
            "paused from the first refusal to the last taking: two lanes holding at once count once");
        final LaneSnapshot snapshotOfB = b.snapshot();
        assertEquals(0, snapshotOfB.holdingProducers());
        assertEquals(6_000, snapshotOfB.heldNanos());

        // A lane whose subscriber has gone leaves the table; its time is kept in one sum.
        a.close();
        producer = measured(publisher, first, second).producers().get(0);
        assertEquals(1, producer.holders().size());
        assertEquals(2_000, producer.goneSubscribersNanos());
    }

    @Test
    void aThrottleLaneMeasuresItsHandOffAndTheOldestFrameWaiting()
    {
        final Stream stream = new Stream("depths", STREAM_ID, StreamConfig.DEFAULT.withLaneBytes(1024));
        final EmbeddedChannel channel = embedded.subscriber();
        final Lane lane = embedded.lane(stream, channel);
        assertNull(lane.snapshot().depths(), "nothing measured yet");
        assertEquals(Lane.OFFER_ACCEPTED, lane.offer(data(0), 1));
        assertEquals(Lane.OFFER_ACCEPTED, lane.offer(data(1), 1));
        lane.measureDepths();
        LaneDepths depths = lane.snapshot().depths();
        assertEquals(2, depths.waitingMessages());
        assertEquals(2, depths.handoffMessages());
        assertEquals(2L * (HEADER_LENGTH + PAYLOAD), depths.handoffBytes());
        assertEquals(0, depths.memoryMessages());
        assertEquals(FIRST_TIMESTAMP, depths.oldestTimestampNanos());
        assertTrue(depths.oldestExact());

        drain(channel, lane);
        lane.measureDepths();
        depths = lane.snapshot().depths();
        assertEquals(0, depths.waitingMessages());
        assertEquals(0, depths.oldestTimestampNanos());
    }

    @Test
    void aBufferLaneFindsTheOldestFrameInItsMemoryTier()
    {
        final Stream stream = new Stream("memory", STREAM_ID,
            new StreamConfig(Strategy.BUFFER, 1024, 16, 64 * 1024, StreamConfig.DEFAULT_SPILL_QUOTA_BYTES));
        final EmbeddedChannel channel = embedded.subscriber();
        final Lane lane = embedded.lane(stream, channel);
        for (int sequence = 0; sequence < 3; sequence++)
        {
            assertEquals(Lane.OFFER_ACCEPTED, lane.offer(data(sequence), 1));
            channel.runPendingTasks(); // into the memory tier; the subscriber is not writable, so nothing goes out
        }
        lane.measureDepths();
        final LaneDepths depths = lane.snapshot().depths();
        assertEquals(3, depths.waitingMessages());
        assertEquals(3, depths.memoryMessages());
        assertEquals(0, depths.handoffMessages());
        assertEquals(0, depths.handoffBytes());
        assertTrue(depths.memoryBytes() >= 3L * (HEADER_LENGTH + PAYLOAD));
        assertEquals(FIRST_TIMESTAMP, depths.oldestTimestampNanos());
    }

    @Test
    void theMemoryTierStepsOverWhatIsNotAWaitingMessage()
    {
        final MemoryTier tier = new MemoryTier(4096);
        assertEquals(0, tier.oldestTimestampNanos());
        final ByteBuf out = Unpooled.directBuffer(64 * 1024);
        try
        {
            // Round the ring a few times: the padding record at its end is stepped over.
            for (long sequence = 0; sequence < 40; sequence++)
            {
                final ByteBuf frame = data(sequence);
                assertEquals(frame.writerIndex(), tier.offerFrames(frame, frame.readerIndex(), frame.writerIndex()));
                frame.release();
                assertEquals(FIRST_TIMESTAMP + Math.max(0, sequence - 1), tier.oldestTimestampNanos());
                if (sequence > 0)
                {
                    // Take one frame out: a drain stops where the next frame would not fit.
                    out.clear();
                    out.capacity(HEADER_LENGTH + PAYLOAD + 8);
                    tier.drainTo(out);
                }
            }
        }
        finally
        {
            out.release();
        }
    }

    private EmbeddedChannel publisher(final Stream stream)
    {
        final EmbeddedChannel channel =
            new EmbeddedChannel(
                new ProducerHandler(stream, SOURCE_ID, metrics.counters(), metrics.producerRoster(), null, clock));
        embedded.keep(channel);
        return channel;
    }

    // The subscriber reads everything: writable, the lane drains, what it wrote is taken.
    private static void drain(final EmbeddedChannel channel, final Lane lane)
    {
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        channel.runPendingTasks();
        lane.drain();
        Object written;
        while ((written = channel.readOutbound()) != null)
        {
            ((ByteBuf)written).release();
        }
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    }

    // Measurement runs as a task on each loop: these loops run only when told.
    private RelayMetrics measured(final EmbeddedChannel... loops) throws InterruptedException
    {
        metrics.measure(Duration.ZERO);
        for (final EmbeddedChannel channel : loops)
        {
            channel.runPendingTasks();
        }
        return metrics;
    }

    private static ByteBuf data(final long sequence)
    {
        final ByteBuf frame = Unpooled.directBuffer(HEADER_LENGTH + PAYLOAD);
        Frames.writeHeader(frame, HEADER_LENGTH + PAYLOAD, FrameType.DATA, 0, STREAM_ID, SOURCE_ID, sequence,
            FIRST_TIMESTAMP + sequence);
        frame.writeZero(PAYLOAD);
        return frame;
    }
}
