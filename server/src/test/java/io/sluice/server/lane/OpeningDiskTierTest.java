package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.tier.disk.DiskTier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A spill lane whose disk tier has not opened yet, driven on an embedded channel: one without a subscription name
 * (which can have nothing on disk) delivers through its memory tier at once; a durable one queues new runs behind
 * whatever backlog its tier may still find.
 */
class OpeningDiskTierTest
{
    private static final int FRAME = 128;

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private Lane lane;

    /** A disk tier that never finishes opening: no room, not empty, refuses every run. */
    private static final class StillOpening implements DiskTier
    {
        private final boolean durable;

        StillOpening(final boolean durable)
        {
            this.durable = durable;
        }

        @Override
        public boolean hasRoom()
        {
            return false;
        }

        @Override
        public boolean isFull()
        {
            return false;
        }

        @Override
        public int offer(final ByteBuf run, final int from, final int to, final int frames)
        {
            return from;
        }

        @Override
        public ByteBuf pollRestored()
        {
            return null;
        }

        @Override
        public boolean isEmpty()
        {
            return false;
        }

        @Override
        public long diskBytes()
        {
            return 0;
        }

        @Override
        public long spilled()
        {
            return 0;
        }

        @Override
        public long restored()
        {
            return 0;
        }

        @Override
        public boolean isDurable()
        {
            return durable;
        }

        @Override
        public void handOverHead(final ByteBuf olderFrames)
        {
            olderFrames.release();
        }

        @Override
        public void handOverTail(final ByteBuf newerFrames)
        {
            newerFrames.release();
        }

        @Override
        public void close()
        {
        }
    }

    @AfterEach
    void close()
    {
        lane.close();
        channel.finishAndReleaseAll();
    }

    private int deliveredAfterOffering(final String subscription, final boolean durable)
    {
        final StreamConfig spill = StreamConfig.DEFAULT.withStrategy(Strategy.SPILL).withMemoryBytes(64 * 1024);
        lane = new Lane(channel, "s", subscription, spill, waker -> new StillOpening(durable), null);
        for (int i = 0; i < 10; i++)
        {
            final ByteBuf run = PooledByteBufAllocator.DEFAULT.directBuffer(FRAME);
            Frames.writeHeader(run, FRAME, FrameType.DATA, 0, 1, 1, i, 0);
            run.writeZero(FRAME - FrameDescriptor.HEADER_LENGTH);
            assertEquals(Lane.OFFER_ACCEPTED, lane.offer(run, 1));
        }
        channel.runPendingTasks();
        int frames = 0;
        ByteBuf out;
        while ((out = channel.readOutbound()) != null)
        {
            frames += Frames.count(out);
            out.release();
        }
        return frames;
    }

    @Test
    void aLaneWithoutASubscriptionNameDeliversBeforeItsDiskTierHasOpened()
    {
        assertEquals(10, deliveredAfterOffering("", false));
    }

    @Test
    void aDurableLaneWaitsForItsDiskTierToSayWhetherABacklogComesFirst()
    {
        assertEquals(0, deliveredAfterOffering("audit", true));
    }
}
