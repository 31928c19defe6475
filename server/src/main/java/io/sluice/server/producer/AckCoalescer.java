package io.sluice.server.producer;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.RecvByteBufAllocator;

import java.util.concurrent.TimeUnit;

/**
 * When an anonymous publisher's ACK goes, at the end of a read batch: at once when the batch read the publisher's
 * socket to its end (the publisher may be waiting for it, as a {@code send} future is), else within
 * {@link #DELAY_NANOS}, by which time the next batch, if more was waiting, has decided again.
 * <p>
 * At the maximum rate a batch stops at {@code max-reads-per-loop} with more to read, and an ACK per batch cost the
 * relay about a fifth of its CPU (each one a system call and a wake-up of the publisher); this sends at most one a
 * millisecond then. An identified publisher frees its log on ACKs, so it is not coalesced.
 */
final class AckCoalescer
{
    /** The longest an ACK waits after the read batch that made it due. */
    static final long DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Runnable sendAck;
    private final Runnable timerTask = this::onTimer;
    private boolean timerPending;

    /** @param sendAck sends the latest ACK if one is due; runs on the publisher's event loop. */
    AckCoalescer(final Runnable sendAck)
    {
        this.sendAck = sendAck;
    }

    /** The publisher's event loop: a read batch ended. */
    void onReadComplete(final ChannelHandlerContext ctx)
    {
        if (!mayHaveMoreToRead(ctx.channel().unsafe().recvBufAllocHandle()))
        {
            sendAck.run();
            return;
        }
        if (!timerPending)
        {
            timerPending = true;
            ctx.executor().schedule(timerTask, DELAY_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * @return whether the batch's last read filled what it asked for: it stopped at the batch's limit (or as reading
     * paused), and more may wait in the socket. A read that took less, or found nothing, emptied it.
     */
    private static boolean mayHaveMoreToRead(final RecvByteBufAllocator.Handle read)
    {
        final int attempted = read.attemptedBytesRead();
        return attempted > 0 && read.lastBytesRead() == attempted;
    }

    private void onTimer()
    {
        timerPending = false;
        sendAck.run();
    }
}
