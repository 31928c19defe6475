package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.server.config.OnStuck;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.config.StuckPolicy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link StuckGuard} on a lane whose channel is a socket that takes only the bytes the test allows, checked by hand
 * with a hand-advanced clock.
 */
class StuckGuardTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int FRAME = 1024;

    /** A channel whose "kernel" takes only {@link #allow}ed bytes; the rest stays in its outbound buffer. */
    private static final class SlowSocket extends EmbeddedChannel
    {
        long allowance;

        void allow(final long bytes)
        {
            allowance += bytes;
            flush();
        }

        @Override
        protected void doWrite(final ChannelOutboundBuffer in)
        {
            final long taking = Math.min(allowance, in.totalPendingWriteBytes());
            if (taking > 0)
            {
                in.removeBytes(taking);
                allowance -= taking;
            }
        }
    }

    private final SlowSocket channel = new SlowSocket();
    private final Lane lane = new Lane(channel, "s", "", StreamConfig.DEFAULT, null, null);
    private final StuckCounters counters = new StuckCounters();
    private final List<String> closes = new ArrayList<>();
    private final long[] now = {0};

    private StuckGuard guard(final OnStuck action)
    {
        return new StuckGuard(lane, "s", new StuckPolicy(action, 1000), counters, closes::add, () -> now[0]);
    }

    private void offerFrames(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            final ByteBuf run = PooledByteBufAllocator.DEFAULT.directBuffer(FRAME);
            Frames.writeHeader(run, FRAME, FrameType.DATA, 0, 1, 1, i, 0);
            run.writeZero(FRAME - FrameDescriptor.HEADER_LENGTH);
            assertEquals(Lane.OFFER_ACCEPTED, lane.offer(run, 1));
        }
        channel.runPendingTasks();
    }

    private void check(final StuckGuard guard, final long atMs)
    {
        now[0] = atMs * MS;
        guard.check();
    }

    private void closeChannel()
    {
        lane.close();
        channel.close();
        channel.runPendingTasks();
    }

    @Test
    void evictsAfterStuckAfterWithoutAByteTakenAndReleasesWhatTheLaneHeld()
    {
        final StuckGuard guard = guard(OnStuck.EVICT);
        offerFrames(10);
        check(guard, 0);
        check(guard, 999);
        assertFalse(guard.isStuck());

        channel.allow(1);
        check(guard, 1500);
        check(guard, 2499);
        assertFalse(guard.isStuck(), "one byte taken is progress");
        assertTrue(closes.isEmpty());

        check(guard, 2500);
        assertTrue(guard.isStuck());
        assertEquals(List.of("stream 's': no progress for 1000 ms (on-stuck evict)"), closes);
        assertEquals(1, counters.evicted());
        assertEquals(0, counters.detached());
        assertEquals(9, counters.releasedMessages(), "the frame the socket took part of still goes out");
        assertTrue(lane.isClosed());
        assertEquals(FRAME - 1, UnsentBytes.of(channel), "only the rest of the partly taken frame waits");

        check(guard, 9000);
        assertEquals(1, closes.size(), "acts once");
        closeChannel();
    }

    @Test
    void waitOnlyMarksTheLaneUntilItTakesBytesAgain()
    {
        final StuckGuard guard = guard(OnStuck.WAIT);
        offerFrames(4);
        check(guard, 0);
        check(guard, 1000);
        assertTrue(lane.snapshot().stuck());
        check(guard, 5000);
        assertTrue(lane.snapshot().stuck());
        assertFalse(lane.isClosed());

        channel.allow(FRAME);
        check(guard, 5100);
        assertFalse(lane.snapshot().stuck());
        assertTrue(closes.isEmpty());
        assertEquals(0, counters.evicted());
        closeChannel();
    }

    @Test
    void nothingWaitingIsNeverStuck()
    {
        final StuckGuard guard = guard(OnStuck.EVICT);
        offerFrames(2);
        channel.allow(2 * FRAME);
        check(guard, 0);
        check(guard, 60_000);
        assertFalse(guard.isStuck());
        assertTrue(closes.isEmpty());
        closeChannel();
    }

    @Test
    void detachWithoutADurableDiskTierEvicts()
    {
        final StuckGuard guard = guard(OnStuck.DETACH);
        offerFrames(3);
        check(guard, 0);
        check(guard, 1000);
        assertEquals(List.of("stream 's': no progress for 1000 ms (on-stuck evict)"), closes);
        assertEquals(1, counters.evicted());
        assertEquals(3, counters.releasedMessages());
        closeChannel();
    }

    @Test
    void aSubscriberThatAcknowledgesIsStuckWhenItsAcknowledgementsStopWhateverItsSocketTakes()
    {
        final SlowSocket socket = new SlowSocket();
        final AckWindow acks = new AckWindow(100, 1 << 20, 0, 0);
        socket.pipeline().addLast(acks);
        final Lane acking = new Lane(socket, "s", "", StreamConfig.DEFAULT, null, null, acks);
        final StuckGuard guard =
            new StuckGuard(acking, "s", new StuckPolicy(OnStuck.EVICT, 1000), counters, closes::add, () -> now[0]);
        for (int i = 0; i < 4; i++)
        {
            final ByteBuf run = PooledByteBufAllocator.DEFAULT.directBuffer(FRAME);
            Frames.writeHeader(run, FRAME, FrameType.DATA, 0, 1, 1, i, 0);
            run.writeZero(FRAME - FrameDescriptor.HEADER_LENGTH);
            assertEquals(Lane.OFFER_ACCEPTED, acking.offer(run, 1));
        }
        socket.runPendingTasks();
        socket.allow(4 * FRAME);
        assertEquals(4, acks.unackedMessages(), "all of it taken by the socket, none acknowledged");
        check(guard, 0);
        check(guard, 999);
        assertFalse(guard.isStuck());
        assertEquals(AckWindow.ACK_TAKEN, acking.acknowledge(1));
        check(guard, 1500);
        check(guard, 2499);
        assertFalse(guard.isStuck(), "one acknowledgement is progress");

        check(guard, 2500);
        assertTrue(guard.isStuck(), "three frames unacknowledged for stuck-after");
        assertEquals(List.of("stream 's': no progress for 1000 ms (on-stuck evict)"), closes);
        assertTrue(acking.isClosed());
        socket.close();
        socket.runPendingTasks();
        socket.finishAndReleaseAll();
        closeChannel();
    }

    @Test
    void checksAQuarterOfStuckAfterApartAtLeast100Ms()
    {
        assertEquals(7_500 * MS, StuckGuard.intervalNanos(new StuckPolicy(OnStuck.EVICT, 30_000)));
        assertEquals(100 * MS, StuckGuard.intervalNanos(new StuckPolicy(OnStuck.EVICT, 200)));
    }
}
