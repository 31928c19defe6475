package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.config.Strategy;
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
    private FakeDiskTier disk;

    @AfterEach
    void close()
    {
        lane.close();
        disk.release();
        channel.finishAndReleaseAll();
    }

    private int deliveredAfterOffering(final String subscription, final boolean durable)
    {
        final StreamConfig spill = StreamConfig.DEFAULT.withStrategy(Strategy.SPILL).withMemoryBytes(64 * 1024);
        disk = new FakeDiskTier(durable, false);
        lane = new Lane(channel, "s", subscription, spill, waker -> disk, null);
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
