package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;

import java.util.function.Consumer;

/**
 * Acknowledged delivery on one subscriber's connection (protocol.md §4.3): gives each DATA and GAP frame written to the
 * subscriber its position, flags the ones delivered again, keeps every frame until the subscriber acknowledges it, and
 * tells the lane whether it may send ({@link #isOpen()}: less than the window is unacknowledged).
 * <p>
 * An outbound handler at the tail of the pipeline, so it sees every run the lane writes, whichever tier it came from.
 * Reads each frame's header once, allocates nothing per message. The channel's event loop only.
 */
public final class AckWindow extends ChannelOutboundHandlerAdapter
{
    /** {@link #acknowledge}: taken (or at or below what was acknowledged already, and ignored). */
    public static final int ACK_TAKEN = 0;
    /** {@link #acknowledge}: the position is above the last one sent. */
    public static final int ACK_OUT_OF_RANGE = 1;

    private final int windowMessages;
    private final int windowBytes;
    private final long redeliveredThrough;
    private final UnackedRuns unacked = new UnackedRuns();
    // Written on the event loop once per run or ACK; volatile for the metrics, read from other threads.
    private volatile long sent;
    private volatile long acked;
    private volatile long redelivered;
    private volatile long unackedBytes;
    // After the lane handed its frames over or released them: writes pass uncounted (the rest of a partly sent frame).
    private boolean stopped;

    /**
     * @param windowMessages messages that may be sent and not acknowledged.
     * @param windowBytes bytes of frames that may be sent and not acknowledged.
     * @param acked the subscription's acknowledged position: the next frame written is at {@code acked + 1}.
     * @param redeliveredThrough frames at positions up to this were sent before: they are flagged REDELIVERED.
     */
    public AckWindow(final int windowMessages, final int windowBytes, final long acked, final long redeliveredThrough)
    {
        this.windowMessages = windowMessages;
        this.windowBytes = windowBytes;
        this.acked = acked;
        this.sent = acked;
        this.redeliveredThrough = redeliveredThrough;
    }

    @Override
    public void write(final ChannelHandlerContext ctx, final Object msg, final ChannelPromise promise)
    {
        if (!stopped && msg instanceof ByteBuf)
        {
            track((ByteBuf)msg);
        }
        ctx.write(msg, promise);
    }

    // Positions for the run's DATA and GAP frames; the run is kept (one more reference) if it holds any.
    void track(final ByteBuf run)
    {
        final int start = run.readerIndex();
        final int end = run.writerIndex();
        final long first = sent + 1;
        long position = first - 1;
        long flagged = 0;
        int index = start;
        while (end - index >= FrameDescriptor.HEADER_LENGTH)
        {
            final int length = Frames.frameLength(run, index);
            final int type = Frames.type(run, index);
            if (type == FrameType.DATA || type == FrameType.GAP)
            {
                if (++position <= redeliveredThrough)
                {
                    run.setShort(index + FrameDescriptor.FLAGS_OFFSET,
                        Frames.flags(run, index) | FrameDescriptor.FLAG_REDELIVERED);
                    flagged++;
                }
            }
            if (length < FrameDescriptor.HEADER_LENGTH)
            {
                break;
            }
            index += length;
        }
        if (position >= first)
        {
            unacked.add(run.retain(), start, end, first, position);
            unackedBytes = unacked.unackedBytes();
            sent = position;
            if (flagged > 0)
            {
                redelivered += flagged;
            }
        }
    }

    /** @return whether the lane may start writing a run: less than the window is unacknowledged. */
    public boolean isOpen()
    {
        return sent - acked < windowMessages && unackedBytes < windowBytes;
    }

    /**
     * The subscriber acknowledged every position up to {@code position}.
     *
     * @return {@link #ACK_TAKEN}, or {@link #ACK_OUT_OF_RANGE} when nothing was sent at that position yet.
     */
    public int acknowledge(final long position)
    {
        if (position > sent)
        {
            return ACK_OUT_OF_RANGE;
        }
        if (position > acked && !stopped)
        {
            acked = position;
            unacked.releaseThrough(position);
            unackedBytes = unacked.unackedBytes();
        }
        return ACK_TAKEN;
    }

    /**
     * Stops tracking and hands every unacknowledged frame to {@code to}, oldest first, as buffers it owns: they start
     * at position {@link #acked()} + 1 and end at {@link #sent()}.
     */
    void handOver(final Consumer<ByteBuf> to)
    {
        stopped = true;
        unacked.handOverAbove(acked, to);
        unackedBytes = 0;
    }

    /** Stops tracking and releases every unacknowledged frame. */
    void releaseAll()
    {
        stopped = true;
        unacked.releaseAll();
        unackedBytes = 0;
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        // Normally the lane has handed over or released by now; this makes sure nothing stays pinned.
        releaseAll();
    }

    /** @return the highest acknowledged position. */
    public long acked()
    {
        return acked;
    }

    /** @return the position of the last DATA or GAP frame sent. */
    public long sent()
    {
        return sent;
    }

    /** @return frames sent and not acknowledged. */
    public long unackedMessages()
    {
        return sent - acked;
    }

    /**
     * @return bytes of the frames sent and not acknowledged, what the window bounds; any thread. The relay holds them,
     * and the part of the oldest run kept that was acknowledged (less than a run).
     */
    public long unackedBytes()
    {
        return unackedBytes;
    }

    /** @return the window's counters now, for the metrics; any thread. */
    public AckSnapshot snapshot()
    {
        final long ackedNow = acked;
        return new AckSnapshot(ackedNow, Math.max(ackedNow, sent), unackedBytes, redelivered, windowMessages,
            windowBytes);
    }

    /** @return frames flagged REDELIVERED on this connection. */
    public long redelivered()
    {
        return redelivered;
    }

    /** @return the granted window in messages. */
    public int windowMessages()
    {
        return windowMessages;
    }

    /** @return the granted window in bytes. */
    public int windowBytes()
    {
        return windowBytes;
    }
}
