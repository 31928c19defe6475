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
import org.junit.jupiter.api.AfterEach;
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

    private void assertQuiet()
    {
        assertTrue(errors.isEmpty(), errors.toString());
    }

    /** A silent peer is declared dead once the timeout has passed, not before. */
    private void assertTimesOutOneTimeoutFromNow()
    {
        run(TIMEOUT_MS - INTERVAL_MS, 10);
        assertQuiet();
        run(2 * INTERVAL_MS, 10);
        assertTimedOut();
    }

    /** The loop did not run for {@code ms}: one check comes late, none in between. */
    private void stall(final long ms)
    {
        channel.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    private void keepReceiving(final int intervals)
    {
        for (int i = 0; i < intervals; i++)
        {
            run(INTERVAL_MS, 10);
            receiveHeartbeat();
        }
    }

    @AfterEach
    void finish()
    {
        heartbeatsSent();
        channel.finishAndReleaseAll();
    }

    @Test
    void aSilentPeerTimesOutAndAHeartbeatGoesOutEveryInterval()
    {
        run(TIMEOUT_MS, 10);
        assertQuiet();
        assertEquals(TIMEOUT_MS / INTERVAL_MS, heartbeatsSent());
        run(2 * INTERVAL_MS, 10);
        assertTimedOut();
    }

    @Test
    void aPeerThatKeepsSendingNeverTimesOut()
    {
        keepReceiving(20);
        assertQuiet();
    }

    @Test
    void readsWePausedOurselvesAreNotThePeersSilence()
    {
        channel.config().setAutoRead(false);
        run(4 * TIMEOUT_MS, 10);
        assertQuiet();
        // Reading again: the peer gets a whole timeout from now.
        channel.config().setAutoRead(true);
        assertTimesOutOneTimeoutFromNow();
    }

    @Test
    void aLoopThatDidNotRunForLongerThanTheTimeoutReadsWhatWaitedBeforeJudging()
    {
        keepReceiving(2);
        // The process is stopped (or the loop blocked) for four timeouts. The first check after it must not blame
        // the peer, whose frames wait unread in the socket.
        stall(4 * TIMEOUT_MS);
        assertQuiet();
        // Then the loop reads what waited, and the connection carries on.
        receiveHeartbeat();
        keepReceiving(10);
        assertQuiet();
    }

    @Test
    void aPeerStillSilentAfterAStallTimesOutOneTimeoutLater()
    {
        stall(4 * TIMEOUT_MS);
        assertQuiet();
        assertTimesOutOneTimeoutFromNow();
    }

    @Test
    void checksThatRunSomewhatLateStillCountTheSilence()
    {
        // Each check 40 ms late (a busy loop), well inside the allowance: the silence is still the peer's.
        run(TIMEOUT_MS + 2 * (INTERVAL_MS + 40), INTERVAL_MS + 40);
        assertTimedOut();
    }
}
