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
import io.sluice.server.lane.Lane;
import io.sluice.server.stream.Stream;
import io.sluice.server.stream.StreamRegistry;
import org.agrona.collections.LongArrayList;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fan-out of a publisher's runs to the lanes of its stream, driven directly: lanes on embedded channels whose
 * event loops run only when told and whose subscribers read only when made writable by hand. Asserts the frames that
 * reach each subscriber: every lane gets every run once and in order, a full lane blocks the run only for itself, and
 * the runs read while a run was blocked follow it in order.
 */
class ProducerFanOutTest
{
    private static final int STREAM_ID = 2;
    private static final int SOURCE_ID = 5;
    /** Two frames fill a lane of 1 KiB: the third is refused. */
    private static final int PAYLOAD = 500;

    private final RelayMetrics metrics = new RelayMetrics(new StreamRegistry(RelayConfig.builder().build()));
    private final EmbeddedLanes embedded = new EmbeddedLanes(metrics);
    private final CachedNanoClock clock = new CachedNanoClock();

    @AfterEach
    void close()
    {
        embedded.close();
    }

    @Test
    void everyLaneGetsEveryRunOnceAndInOrder()
    {
        final Stream stream = new Stream("fan-out", STREAM_ID, StreamConfig.DEFAULT);
        final EmbeddedChannel first = embedded.subscriber();
        final EmbeddedChannel second = embedded.subscriber();
        final Lane a = embedded.lane(stream, first);
        final Lane b = embedded.lane(stream, second);
        final LaneFanOut fanOut = fanOut(stream);

        final List<ByteBuf> runs = new ArrayList<>();
        for (int sequence = 0; sequence < 6; sequence += 2)
        {
            final ByteBuf run = run(sequence, 2);
            runs.add(run);
            assertTrue(fanOut.deliver(run, 2, sequence + 1), "every lane took the run");
            assertEquals(2, run.refCnt(), "one reference per lane; the fan-out released its own");
        }
        assertFalse(fanOut.isBlocked());
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), drain(first, a));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), drain(second, b));
        assertTrue(runs.stream().allMatch(run -> run.refCnt() == 0));
        assertEquals(0, stream.messagesUnrouted());
        assertEquals(0, metrics.heldBytes());
    }

    @Test
    void aFullLaneBlocksTheRunForItselfWhileTheOtherLaneTakesItOnce()
    {
        final Stream stream = new Stream("fan-out", STREAM_ID, StreamConfig.DEFAULT.withLaneBytes(1024));
        final EmbeddedChannel first = embedded.subscriber();
        final EmbeddedChannel second = embedded.subscriber();
        final Lane a = embedded.lane(stream, first);
        final Lane b = embedded.lane(stream, second);
        final LaneFanOut fanOut = fanOut(stream);
        final int[] wakes = new int[1];
        final Runnable wake = () -> wakes[0]++;

        assertTrue(fanOut.deliver(run(0, 1), 1, 0));
        assertTrue(fanOut.deliver(run(1, 1), 1, 1));
        assertEquals(List.of(0L, 1L), drain(second, b), "the second subscriber reads; the first does not");

        final ByteBuf blocked = run(2, 1);
        assertFalse(fanOut.deliver(blocked, 1, 2), "the first lane is full");
        assertTrue(fanOut.isBlocked());
        assertEquals(2, fanOut.blockedLastSequence());
        assertEquals(blocked.readableBytes(), metrics.heldBytes(), "the blocked run counts as held");
        assertFalse(fanOut.awaitRoom(wake), "still full after registering");
        assertFalse(fanOut.retry());
        assertEquals(List.of(2L), drain(second, b), "the lane with room took the run at once");

        assertEquals(List.of(0L, 1L), drain(first, a), "the full lane drains what it had");
        assertEquals(1, wakes[0], "and wakes the waiting publisher once it has room");
        assertTrue(fanOut.retry(), "the lane that owed the run takes it");
        assertFalse(fanOut.isBlocked());
        assertEquals(1, blocked.refCnt(), "the fan-out released the run once no lane owed it; the lane's is left");
        assertEquals(0, metrics.heldBytes());
        assertEquals(List.of(2L), drain(first, a));
        assertEquals(0, blocked.refCnt());
        assertEquals(List.of(), drain(second, b), "the lane that took the run first does not get it again");
        assertEquals(0, stream.messagesUnrouted());
    }

    @Test
    void aRunHeldForADetachedLaneGoesToTheLaneThatTookItsPlace()
    {
        final Stream stream = new Stream("fan-out", STREAM_ID, StreamConfig.DEFAULT.withLaneBytes(1024));
        final EmbeddedChannel away = embedded.subscriber();
        final Lane detached = new Lane(away, stream.name(), "audit", stream.config(), null, null);
        stream.addLane(detached);
        stream.keepDetached(detached);
        final LaneFanOut fanOut = fanOut(stream);
        final int[] wakes = new int[1];
        final Runnable wake = () -> wakes[0]++;
        assertTrue(fanOut.deliver(run(0, 1), 1, 0));
        assertTrue(fanOut.deliver(run(1, 1), 1, 1));
        final ByteBuf held = run(2, 1);
        assertFalse(fanOut.deliver(held, 1, 2), "the detached lane is full: the run is held for it");
        assertFalse(fanOut.awaitRoom(wake));

        // The subscription's next connection takes the detached lane's place, which then closes with what it had.
        final EmbeddedChannel back = embedded.subscriber();
        final Lane next = new Lane(back, stream.name(), "audit", stream.config(), null, null);
        assertEquals(detached, stream.addLaneReplacingDetached(next));
        detached.close();
        away.finishAndReleaseAll();

        assertTrue(fanOut.retry(), "the run the detached lane owed goes to the lane that took its place");
        assertFalse(fanOut.isBlocked());
        assertEquals(List.of(2L), drain(back, next));
        assertEquals(0, stream.messagesUnrouted(), "routed: not lost between the two lanes");
        assertEquals(0, metrics.heldBytes());
        next.close();
    }

    @Test
    void aRunNoLaneTakesCountsAsUnrouted()
    {
        final Stream stream = new Stream("fan-out", STREAM_ID, StreamConfig.DEFAULT);
        final LaneFanOut fanOut = fanOut(stream);
        assertTrue(fanOut.deliver(run(0, 3), 3, 2), "no lane: nothing to wait for");
        assertEquals(3, stream.messagesUnrouted());

        final EmbeddedChannel gone = embedded.subscriber();
        final Lane lane = embedded.lane(stream, gone);
        lane.close();
        assertTrue(fanOut.deliver(run(3, 2), 2, 4), "a closed lane refuses nothing");
        assertEquals(5, stream.messagesUnrouted(), "a run only a closed lane was offered is unrouted too");
    }

    @Test
    void aBlockedRunIsReleasedWhenTheConnectionGoes()
    {
        final Stream stream = new Stream("fan-out", STREAM_ID, StreamConfig.DEFAULT.withLaneBytes(1024));
        embedded.lane(stream, embedded.subscriber());
        final LaneFanOut fanOut = fanOut(stream);
        assertTrue(fanOut.deliver(run(0, 1), 1, 0));
        assertTrue(fanOut.deliver(run(1, 1), 1, 1));
        final ByteBuf blocked = run(2, 1);
        assertFalse(fanOut.deliver(blocked, 1, 2));

        fanOut.releaseBlocked();
        assertFalse(fanOut.isBlocked());
        assertEquals(0, blocked.refCnt());
        assertEquals(0, metrics.heldBytes());
    }

    @Test
    void runsReadWhileOneIsBlockedFollowItInOrderAndTheAckCoversThemAll()
    {
        final Stream stream = new Stream("fan-out", STREAM_ID, StreamConfig.DEFAULT.withLaneBytes(1024));
        final EmbeddedChannel subscriber = embedded.subscriber();
        final Lane lane = embedded.lane(stream, subscriber);
        final EmbeddedChannel publisher = new EmbeddedChannel(
            new ProducerHandler(stream, SOURCE_ID, metrics.counters(), metrics.producerRoster(), null, clock));
        embedded.keep(publisher);

        for (int sequence = 0; sequence < 5; sequence++)
        {
            publisher.writeInbound(run(sequence, 1));
        }
        assertFalse(publisher.config().isAutoRead(), "the third run was refused: the publisher is not read");
        assertEquals(1, lastAck(publisher), "the ACKs cover what the lane took");
        assertEquals(3 * (HEADER_LENGTH + PAYLOAD), metrics.heldBytes(),
            "the blocked run and the two read after it count as held");

        final LongArrayList received = new LongArrayList();
        for (int round = 0; round < 5 && received.size() < 5; round++)
        {
            drain(subscriber, lane).forEach(received::addLong);
            publisher.runPendingTasks();
        }
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), received);
        assertTrue(publisher.config().isAutoRead(), "every run delivered: reading again");
        assertEquals(4, lastAck(publisher), "the last ACK covers every run");
        assertEquals(0, metrics.heldBytes());
    }

    private LaneFanOut fanOut(final Stream stream)
    {
        return new LaneFanOut(stream, metrics.counters(), new ProducerBlame(stream.name(), SOURCE_ID, clock), clock,
            new DiskAcks(SOURCE_ID, () -> {}));
    }

    // The subscriber reads everything there is: writable, the lane drains; returns the sequences it was sent.
    private static List<Long> drain(final EmbeddedChannel channel, final Lane lane)
    {
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        channel.runPendingTasks();
        lane.drain();
        final List<Long> sequences = new ArrayList<>();
        Object written;
        while ((written = channel.readOutbound()) != null)
        {
            final ByteBuf frames = (ByteBuf)written;
            try
            {
                for (int index = frames.readerIndex(); index < frames.writerIndex();
                    index += Frames.frameLength(frames, index))
                {
                    assertEquals(FrameType.DATA, Frames.type(frames, index));
                    sequences.add(Frames.sequence(frames, index));
                }
            }
            finally
            {
                frames.release();
            }
        }
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        return sequences;
    }

    // DATA frames from {@code first} on, back to back, as the decoder cuts a run.
    private static ByteBuf run(final long first, final int frames)
    {
        final ByteBuf run = Unpooled.directBuffer(frames * (HEADER_LENGTH + PAYLOAD));
        for (int i = 0; i < frames; i++)
        {
            Frames.writeHeader(run, HEADER_LENGTH + PAYLOAD, FrameType.DATA, 0, STREAM_ID, SOURCE_ID, first + i, 0);
            run.writeZero(PAYLOAD);
        }
        return run;
    }

    // The sequence of the last ACK the publisher was sent, or -1 for none.
    private static long lastAck(final EmbeddedChannel publisher)
    {
        long sequence = -1;
        Object written;
        while ((written = publisher.readOutbound()) != null)
        {
            final ByteBuf ack = (ByteBuf)written;
            try
            {
                assertEquals(FrameType.ACK, Frames.type(ack, ack.readerIndex()));
                sequence = Frames.sequence(ack, ack.readerIndex());
            }
            finally
            {
                ack.release();
            }
        }
        return sequence;
    }
}
