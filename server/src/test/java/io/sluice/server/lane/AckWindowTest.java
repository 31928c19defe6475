package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The acknowledgement window driven directly on an embedded channel: positions per DATA and GAP frame, the window
 * closing and opening, runs released exactly when acknowledged, REDELIVERED on the frames sent before, and a hand-over
 * that starts exactly after the acknowledged position.
 */
class AckWindowTest
{
    private static final int FRAME = FrameDescriptor.HEADER_LENGTH + 8;

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final List<ByteBuf> kept = new ArrayList<>();

    @AfterEach
    void release()
    {
        channel.finishAndReleaseAll();
        kept.forEach(ByteBuf::release);
    }

    // A run of DATA frames of source 1 with sequences from..from+count-1, and one HEARTBEAT after them when asked.
    private static ByteBuf run(final long from, final int count, final boolean heartbeat)
    {
        final ByteBuf run = Unpooled.buffer();
        for (int i = 0; i < count; i++)
        {
            Frames.writeHeader(run, FRAME, FrameType.DATA, 0, 1, 1, from + i, 0);
            run.writeLong(from + i);
        }
        if (heartbeat)
        {
            Frames.writeEmpty(run, FrameType.HEARTBEAT, 0, 0, 0, 0);
        }
        return run;
    }

    private AckWindow window(final int messages, final int bytes, final long acked, final long redeliveredThrough)
    {
        final AckWindow window = new AckWindow(messages, bytes, acked, redeliveredThrough);
        channel.pipeline().addLast(window);
        return window;
    }

    @Test
    void positionsCountDataAndGapFramesAndTheWindowClosesAtItsMessages()
    {
        final AckWindow window = window(10, 1 << 20, 0, 0);
        final ByteBuf first = run(0, 6, true);
        channel.writeOutbound(first);
        assertEquals(6, window.sent(), "a HEARTBEAT has no position");
        assertTrue(window.isOpen());
        final ByteBuf gap = Unpooled.buffer();
        Frames.writeGap(gap, 1, 1, 6, 7, 2, 1, 0);
        channel.writeOutbound(gap);
        assertEquals(7, window.sent(), "a GAP has a position");
        channel.writeOutbound(run(7, 3, false));
        assertEquals(10, window.unackedMessages());
        assertFalse(window.isOpen(), "10 unacknowledged of a window of 10");

        assertEquals(AckWindow.ACK_TAKEN, window.acknowledge(6));
        assertTrue(window.isOpen());
        assertEquals(1, first.refCnt(), "acknowledged: only the channel's reference is left");
        assertEquals(AckWindow.ACK_TAKEN, window.acknowledge(3), "below the acknowledged position: ignored");
        assertEquals(6, window.acked());
        assertEquals(AckWindow.ACK_OUT_OF_RANGE, window.acknowledge(11));
        assertEquals(6, window.acked());
    }

    @Test
    void theWindowClosesAtItsBytes()
    {
        final AckWindow window = window(1000, 4 * FRAME, 0, 0);
        channel.writeOutbound(run(0, 3, false));
        assertTrue(window.isOpen());
        channel.writeOutbound(run(3, 1, false));
        assertFalse(window.isOpen(), "4 frames' bytes unacknowledged");
        window.acknowledge(3);
        assertTrue(window.isOpen(), "a run is released once all of it is acknowledged");
        assertEquals(FRAME, window.unackedBytes());
    }

    @Test
    void theWindowCountsTheBytesOfFramesNotAcknowledgedNotOfTheRunsKept()
    {
        // protocol.md §4.3: a subscriber acknowledging every half window of bytes must find the window open while the
        // tail of a run longer than the window waits for its next acknowledgement.
        final AckWindow window = window(1000, 4 * FRAME, 0, 0);
        final ByteBuf longRun = run(0, 10, true);
        channel.writeOutbound(longRun);
        assertEquals(10 * FRAME + FrameDescriptor.HEADER_LENGTH, window.unackedBytes());
        assertFalse(window.isOpen());
        window.acknowledge(2);
        assertEquals(8 * FRAME + FrameDescriptor.HEADER_LENGTH, window.unackedBytes());
        assertFalse(window.isOpen());
        window.acknowledge(7);
        assertEquals(3 * FRAME + FrameDescriptor.HEADER_LENGTH, window.unackedBytes(), "the run's last 3 frames");
        assertTrue(window.isOpen(), "3 frames and a HEARTBEAT unacknowledged, of a window of 4 frames' bytes");
        assertEquals(2, longRun.refCnt(), "the run is kept until all of it is acknowledged");
        window.acknowledge(7);
        assertEquals(3 * FRAME + FrameDescriptor.HEADER_LENGTH, window.unackedBytes(), "the same ACK again: no change");

        channel.writeOutbound(run(10, 2, false));
        assertEquals(5 * FRAME + FrameDescriptor.HEADER_LENGTH, window.unackedBytes());
        window.acknowledge(10);
        assertEquals(1, longRun.refCnt(), "released once all of it is acknowledged");
        assertEquals(2 * FRAME, window.unackedBytes(), "the next run's two frames, positions 11 and 12");
        window.acknowledge(11);
        assertEquals(FRAME, window.unackedBytes(), "a frame at or below the ACK counts no more");
        window.acknowledge(12);
        assertEquals(0, window.unackedBytes());
    }

    @Test
    void framesUpToRedeliveredThroughAreFlaggedAndTheRestAreNot()
    {
        final AckWindow window = window(100, 1 << 20, 10, 12);
        channel.writeOutbound(run(0, 4, false));
        final ByteBuf written = channel.readOutbound();
        for (int i = 0; i < 4; i++)
        {
            final int flags = Frames.flags(written, i * FRAME);
            assertEquals(i < 2, (flags & FrameDescriptor.FLAG_REDELIVERED) != 0, "position " + (11 + i));
        }
        written.release();
        assertEquals(2, window.redelivered());
        assertEquals(14, window.sent());
    }

    @Test
    void aHandOverStartsRightAfterTheAcknowledgedPositionAndReleasesEveryRun()
    {
        final AckWindow window = window(100, 1 << 20, 0, 0);
        final ByteBuf a = run(0, 5, false);
        final ByteBuf b = run(5, 5, false);
        channel.writeOutbound(a, b);
        window.acknowledge(3);
        final List<ByteBuf> handed = new ArrayList<>();
        window.handOver(handed::add);
        kept.addAll(handed);
        long expected = 3;
        for (final ByteBuf frames : handed)
        {
            for (int index = frames.readerIndex(); index < frames.writerIndex(); index += FRAME)
            {
                assertEquals(expected++, Frames.sequence(frames, index));
            }
        }
        assertEquals(10, expected, "positions 4..10 (sequences 3..9) are handed over, nothing else");
        assertEquals(0, window.unackedBytes());
        channel.releaseOutbound();
        assertEquals(1, a.refCnt(), "the hand-over's slice holds the run until its new owner releases it");
        handed.forEach(ByteBuf::release);
        kept.clear();
        assertEquals(0, a.refCnt());
        assertEquals(0, b.refCnt());

        // Stopped: a later write passes through uncounted.
        channel.writeOutbound(run(10, 1, false));
        assertEquals(10, window.sent());
    }

    @Test
    void removingTheHandlerReleasesWhatItKept()
    {
        window(100, 1 << 20, 0, 0);
        final ByteBuf a = run(0, 5, false);
        channel.writeOutbound(a);
        channel.releaseOutbound();
        assertEquals(1, a.refCnt());
        channel.pipeline().removeLast();
        assertEquals(0, a.refCnt());
    }
}
