package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.nio.ByteOrder;

import static io.sluice.core.protocol.FrameDescriptor.SEQUENCE_OFFSET;

/**
 * An identified {@link Publication}'s drain: copies each record of the ring into the {@link SendLog}, stamped with its
 * sequence, and writes windows over the log to the socket; the log keeps each frame until the relay acknowledges it.
 * A record stays in the ring while the log has no room for it: the ring then fills and offers back off. Shared by a
 * publication and those that resume it, on the event loop of the one sending now.
 */
final class RingToSendLog implements RingDrain, ControlledMessageHandler
{
    private static final int BYTES_PER_PASS = 16 * 1024;

    private final RingBuffer ring;
    private final SendLog log;
    private final AsyncSends asyncSends;
    private long nextSequence;
    // Whether the last pass left a record in the ring for want of room in the log: the next ACK drains again.
    private boolean logFull;

    RingToSendLog(final RingBuffer ring, final SendLog log, final AsyncSends asyncSends)
    {
        this.ring = ring;
        this.log = log;
        this.asyncSends = asyncSends;
    }

    // The log sends again what it keeps, numbered from the relay's sequence; the async sends follow the renumbering,
    // and what the ring holds comes after.
    @Override
    public boolean startAt(final long sequence)
    {
        final long next = log.resendFrom(sequence);
        final long resent = next - sequence;
        asyncSends.resumeAt(nextSequence - resent, sequence);
        nextSequence = next;
        logFull = false;
        return log.hasUnsent() || ring.size() > 0;
    }

    @Override
    public boolean drainTo(final Channel channel)
    {
        ring.controlledRead(this, BYTES_PER_PASS);
        boolean wrote = false;
        ByteBuf window;
        while ((window = log.nextWindow()) != null)
        {
            channel.write(window, channel.voidPromise());
            wrote = true;
        }
        return wrote;
    }

    // A full log, or one whose windows are all out, waits for an ACK or a window to come back.
    @Override
    public boolean hasMore()
    {
        return ring.size() > 0 && !logFull || log.hasUnsent() && log.hasFreeWindow();
    }

    @Override
    public void onProgress()
    {
        logFull = false;
    }

    @Override
    public void onClosed()
    {
        // The windows out come back to the log as the channel gives them up.
    }

    @Override
    public Action onMessage(final int msgType, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (log.tryClaim(length) < 0)
        {
            logFull = true;
            return Action.ABORT;
        }
        final int frameStart = log.claimIndex();
        final UnsafeBuffer memory = log.buffer();
        memory.putBytes(frameStart, buffer, index, length);
        final long sequence = nextSequence++;
        memory.putLong(frameStart + SEQUENCE_OFFSET, sequence, ByteOrder.BIG_ENDIAN);
        log.commit();
        if (msgType == AsyncSends.MSG_ASYNC)
        {
            asyncSends.onStamped(sequence);
        }
        return Action.CONTINUE;
    }
}
