package io.sluice.core.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.ProtocolException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heartbeat handler on a hand-advanced clock: when it declares the peer silent, and the silences of our own that
 * it must not blame on the peer (paused reads, an event loop or process that did not run).
 */
class HeartbeatHandlerTest
{
    private static final int INTERVAL_MS = 100;
    private static final int TIMEOUT_MS = 500;

    private final List<Throwable> errors = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel();

    HeartbeatHandlerTest()
    {
        channel.freezeTime();
        channel.pipeline().addLast(new HeartbeatHandler(INTERVAL_MS, TIMEOUT_MS), new ChannelInboundHandlerAdapter()
        {
            @Override
            public void channelRead(final ChannelHandlerContext ctx, final Object msg)
            {
                ReferenceCountUtil.release(msg);
            }

            @Override
            public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
            {
                errors.add(cause);
            }
        });
    }

    /** Advances the clock in steps of {@code stepMs}, running the due checks after each, as a running loop would. */
    private void run(final long totalMs, final long stepMs)
    {
        for (long t = 0; t < totalMs; t += stepMs)
        {
            channel.advanceTimeBy(stepMs, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
        }
    }

    private void receiveHeartbeat()
    {
        channel.writeInbound(Frames.empty(UnpooledByteBufAllocator.DEFAULT, FrameType.HEARTBEAT, 0, 0, 0, 0));
    }

    private int heartbeatsSent()
    {
        int sent = 0;
        ByteBuf out;
        while ((out = channel.readOutbound()) != null)
        {
            assertEquals(FrameType.HEARTBEAT, Frames.type(out, out.readerIndex()));
            out.release();
            sent++;
        }
        return sent;
    }

    private void assertTimedOut()
    {
        assertEquals(1, errors.size(), errors.toString());
        final ProtocolException ex = (ProtocolException)errors.get(0);
        assertEquals(ErrorCode.HEARTBEAT_TIMEOUT, ex.code());
    }

    @Test
    void aSilentPeerTimesOutAndAHeartbeatGoesOutEveryInterval()
    {
        run(TIMEOUT_MS, 10);
        assertTrue(errors.isEmpty(), errors.toString());
        assertEquals(TIMEOUT_MS / INTERVAL_MS, heartbeatsSent());
        run(2 * INTERVAL_MS, 10);
        assertTimedOut();
        heartbeatsSent();
        channel.finishAndReleaseAll();
    }

    @Test
    void aPeerThatKeepsSendingNeverTimesOut()
    {
        for (int i = 0; i < 20; i++)
        {
            run(INTERVAL_MS, 10);
            receiveHeartbeat();
        }
        assertTrue(errors.isEmpty(), errors.toString());
        heartbeatsSent();
        channel.finishAndReleaseAll();
    }

    @Test
    void readsWePausedOurselvesAreNotThePeersSilence()
    {
        channel.config().setAutoRead(false);
        run(4 * TIMEOUT_MS, 10);
        assertTrue(errors.isEmpty(), errors.toString());
        // Reading again: the peer gets a whole timeout from now.
        channel.config().setAutoRead(true);
        run(TIMEOUT_MS - INTERVAL_MS, 10);
        assertTrue(errors.isEmpty(), errors.toString());
        run(2 * INTERVAL_MS, 10);
        assertTimedOut();
        heartbeatsSent();
        channel.finishAndReleaseAll();
    }

    @Test
    void aLoopThatDidNotRunForLongerThanTheTimeoutReadsWhatWaitedBeforeJudging()
    {
        run(2 * INTERVAL_MS, 10);
        receiveHeartbeat();
        // The process is stopped (or the loop blocked) for four timeouts: no check runs meanwhile. The first check
        // after it must not blame the peer, whose frames wait unread in the socket.
        channel.advanceTimeBy(4 * TIMEOUT_MS, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(errors.isEmpty(), "timed out on the first check after a stall: " + errors);
        // Then the loop reads what waited, and the connection carries on.
        receiveHeartbeat();
        for (int i = 0; i < 10; i++)
        {
            run(INTERVAL_MS, 10);
            receiveHeartbeat();
        }
        assertTrue(errors.isEmpty(), errors.toString());
        heartbeatsSent();
        channel.finishAndReleaseAll();
    }

    @Test
    void aPeerStillSilentAfterAStallTimesOutOneTimeoutLater()
    {
        channel.advanceTimeBy(4 * TIMEOUT_MS, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(errors.isEmpty(), errors.toString());
        run(TIMEOUT_MS - INTERVAL_MS, 10);
        assertTrue(errors.isEmpty(), errors.toString());
        run(2 * INTERVAL_MS, 10);
        assertTimedOut();
        heartbeatsSent();
        channel.finishAndReleaseAll();
    }

    @Test
    void checksThatRunSomewhatLateStillCountTheSilence()
    {
        // Each check 40 ms late (a busy loop), well inside the allowance: the silence is still the peer's.
        run(TIMEOUT_MS + 2 * (INTERVAL_MS + 40), INTERVAL_MS + 40);
        assertTimedOut();
        heartbeatsSent();
        channel.finishAndReleaseAll();
    }
}
