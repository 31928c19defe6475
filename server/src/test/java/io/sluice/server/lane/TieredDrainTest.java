package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.util.EpochClock;
import io.sluice.server.config.StreamConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A buffering lane's tiered drain driven on an {@link EmbeddedChannel}, no sockets: the subscriber's channel is held
 * unwritable while frames pile up in a 4 KiB memory tier, then let go, and the frames that come out are read back
 * from the channel's outbound messages.
 */
class TieredDrainTest
{
    private static final int STREAM_ID = 1;
    private static final int SOURCE_ID = 9;
    private static final int SENT = 100;
    private static final int PAYLOAD = 256 - FrameDescriptor.HEADER_LENGTH;

    @Test
    void dropNewestDeliversTheOldestInOrderThenGapsCountingTheRestInOrder()
    {
        final List<long[]> out = run("drop-newest");
        int data = 0;
        while (data < out.size() && out.get(data)[0] == FrameType.DATA)
        {
            assertEquals(data, out.get(data)[1], "DATA in order from the first");
            data++;
        }
        assertTrue(data > 0 && data < SENT, "the 4 KiB tier holds some, not all: " + data);
        // The drops stored in the tier behind the messages kept, then the last drop, still unstored when the tiers
        // ran empty: GAP frames whose ranges follow each other.
        long next = data;
        for (int i = data; i < out.size(); i++)
        {
            final long[] gap = out.get(i);
            assertEquals(FrameType.GAP, gap[0], "only GAP frames after the messages kept");
            assertEquals(next, gap[1], "each GAP starts where the one before ended");
            next += gap[2];
        }
        assertEquals(SENT, next, "every drop counted");
    }

    @Test
    void dropOldestAnnouncesTheEvictedBeforeTheNewestInOrder()
    {
        final List<long[]> out = run("drop-oldest");
        final long[] gap = out.get(0);
        assertEquals(FrameType.GAP, gap[0], "the evicted head is announced first");
        assertEquals(0, gap[1]);
        final long dropped = gap[2];
        assertEquals(SENT - dropped, out.size() - 1, "DATA after the GAP: all that was not dropped");
        for (int i = 1; i < out.size(); i++)
        {
            assertEquals(FrameType.DATA, out.get(i)[0]);
            assertEquals(dropped + i - 1, out.get(i)[1], "the newest, in order");
        }
    }

    // Offers SENT one-frame runs to a lane of the given strategy while its channel is unwritable, then drains it to
    // the end; returns each frame out as {type, sequence (GAP: from-sequence), GAP: dropped count}.
    private static List<long[]> run(final String strategy)
    {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final Lane lane = new Lane(channel, "tiered", "", StreamConfig.DEFAULT.withStrategyName(strategy)
            .withMemoryBytes(4096), null, null);
        final List<long[]> out = new ArrayList<>();
        try
        {
            writable(channel, false);
            for (int sequence = 0; sequence < SENT; sequence++)
            {
                assertEquals(Lane.OFFER_ACCEPTED, lane.offer(frame(sequence), 1));
                channel.runPendingTasks();
            }
            assertTrue(channel.outboundMessages().isEmpty(), "nothing written while unwritable");
            writable(channel, true);
            for (int round = 0; round < 100 && lane.snapshot().waitingMessages() > 0; round++)
            {
                lane.drain();
                channel.runPendingTasks();
            }
            read(channel, out);
            final LaneSnapshot snapshot = lane.snapshot();
            assertEquals(SENT, snapshot.messagesIn());
            assertEquals(0, snapshot.waitingMessages(), snapshot.toString());
            final long dropped = snapshot.droppedByReason().values().stream().mapToLong(Long::longValue).sum();
            assertEquals(SENT - snapshot.messagesOut(), dropped, "accepted = delivered + dropped");
            return out;
        }
        finally
        {
            lane.close();
            channel.finishAndReleaseAll();
        }
    }

    private static void read(final EmbeddedChannel channel, final List<long[]> out)
    {
        ByteBuf chunk;
        while ((chunk = channel.readOutbound()) != null)
        {
            try
            {
                for (int at = chunk.readerIndex(); at < chunk.writerIndex(); at += Frames.frameLength(chunk, at))
                {
                    final int type = Frames.type(chunk, at);
                    out.add(type == FrameType.GAP ?
                        new long[] {type, chunk.getLong(at + FrameDescriptor.GAP_FROM_SEQUENCE_OFFSET),
                            chunk.getLong(at + FrameDescriptor.GAP_DROPPED_COUNT_OFFSET)} :
                        new long[] {type, Frames.sequence(chunk, at), 0});
                }
            }
            finally
            {
                chunk.release();
            }
        }
    }

    private static ByteBuf frame(final long sequence)
    {
        final ByteBuf run = PooledByteBufAllocator.DEFAULT.directBuffer(FrameDescriptor.HEADER_LENGTH + PAYLOAD);
        Frames.writeHeader(run, FrameDescriptor.HEADER_LENGTH + PAYLOAD, FrameType.DATA, 0, STREAM_ID, SOURCE_ID,
            sequence, EpochClock.nanos());
        run.writeZero(PAYLOAD);
        return run;
    }

    private static void writable(final EmbeddedChannel channel, final boolean writable)
    {
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
    }
}
