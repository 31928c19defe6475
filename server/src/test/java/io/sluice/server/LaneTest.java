package io.sluice.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A lane driven directly on an {@link EmbeddedChannel}.
 */
class LaneTest
{
    @Test
    void aWakeFromTheDiskTierWhileTheLaneIsBeingBuiltIsNeitherAFaultNorLost()
    {
        // The disk tier is made in the lane's constructor and its spill thread may wake the lane at once, before the
        // constructor has set the lane's fields: the worst case is a wake from within the factory itself.
        final EmbeddedChannel channel = new EmbeddedChannel();
        final FakeDisk disk = new FakeDisk();
        final Lane lane = new Lane(channel, "durable", "keep", StreamConfig.DEFAULT.withStrategyName("spill"),
            waker ->
            {
                waker.wake();
                return disk;
            }, null);
        try
        {
            channel.runPendingTasks();
            assertTrue(disk.polls > 0, "the lane never drained after the early wake");
        }
        finally
        {
            lane.close();
            disk.release();
            channel.finishAndReleaseAll();
        }
    }

    /** A durable disk tier with no room: keeps what is handed over for the test to look at. */
    private static final class FakeDisk implements DiskTier
    {
        final java.util.List<ByteBuf> head = new java.util.ArrayList<>();
        final java.util.List<ByteBuf> tail = new java.util.ArrayList<>();
        int polls;

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
            polls++;
            return null;
        }

        @Override
        public boolean isEmpty()
        {
            return true;
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
            return true;
        }

        @Override
        public void handOverHead(final ByteBuf olderFrames)
        {
            head.add(olderFrames);
        }

        @Override
        public void handOverTail(final ByteBuf newerFrames)
        {
            tail.add(newerFrames);
        }

        @Override
        public void close()
        {
        }

        void release()
        {
            head.forEach(ByteBuf::release);
            tail.forEach(ByteBuf::release);
            head.clear();
            tail.clear();
        }
    }
}
