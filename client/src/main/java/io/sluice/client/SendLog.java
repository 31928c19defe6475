package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.sluice.core.protocol.FrameDescriptor.LENGTH_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.SEQUENCE_OFFSET;

/**
 * The memory an {@link ExclusivePublication}'s frames are written into by the application and sent from by the
 * connection's event loop: frames back to back in one buffer of a power-of-two size, each written once, and written
 * to the socket from where it lies. There is no record header: a frame's length field is its own.
 * <pre>
 *   released              sent                published         claim
 *      |   in the channel's   |   committed, not   |   being        |
 *      |   outbound buffer    |   handed out yet   |   written      |   free ...
 *  ----+----------------------+--------------------+----------------+----------
 * </pre>
 * Positions count bytes from the start and never wrap; a byte's index in {@link #buffer()} is its position modulo the
 * capacity. A frame never wraps: one that does not fit before the end of the buffer starts the next lap at index 0,
 * and the bytes it skipped are padding, never sent. The padding's position is published with the frame after it.
 * <p>
 * Threads. One application thread claims, then commits or aborts, one claim at a time; committing publishes the
 * frame with one volatile store and no compare-and-set. The event loop takes {@linkplain #nextWindow() windows}:
 * ByteBufs over runs of committed bytes, written to the channel as they are. Netty releases a window once the socket
 * has taken its bytes (or the connection closed), and the release gives the bytes back to the application. Windows
 * are reused objects, a fixed number of them, taken and given back on the event loop only: nothing is allocated per
 * message or per write.
 * <p>
 * Memory is the capacity, whatever the socket does: when the socket does not take bytes, windows stay out, nothing is
 * released, and claims fail until it does.
 * <p>
 * <b>Kept until acknowledged.</b> A log made {@code keepUntilAcked} does not give bytes back when the socket took
 * them, only when the relay's ACK covers their frames' sequences ({@link #releaseThrough}); a window coming back is
 * then only the window free again. The frames between the acknowledged point and the tail can be sent again on a new
 * connection ({@link #resendFrom}). Memory is still the capacity: while ACKs are withheld, claims fail.
 */
public final class SendLog
{
    /** The least capacity: 256 KiB. */
    public static final int MIN_CAPACITY = 256 * 1024;

    /** Windows one log hands out at most at a time. */
    public static final int DEFAULT_WINDOWS = 64;

    private final int capacity;
    private final int mask;
    private final UnsafeBuffer buffer;

    // Application thread: the claim under way (its padding and frame length; 0 when none) and what it last read of
    // released.
    private long tail;
    private int claimPadding;
    private int claimLength;
    private long releasedSeen;

    // Written by the application before the volatile store of published that makes it visible.
    private long padPosition = -1;
    private volatile long published;
    // Written by the event loop when a window comes back.
    private volatile long released;

    // Event loop only.
    private long sent;
    private final Window[] freeWindows;
    private int freeCount;
    private final Runnable onWindowReleased;
    private final boolean keepUntilAcked;
    // Event loop, when kept until acknowledged: where the first frame not acknowledged starts.
    private long acked;

    /**
     * A log that gives bytes back once the socket took them.
     *
     * @param capacity bytes, a power of two of at least 64.
     * @param windows most windows out at once.
     * @param onWindowReleased run on the event loop each time a window comes back (the socket took its bytes), or
     *                         null.
     */
    public SendLog(final int capacity, final int windows, final Runnable onWindowReleased)
    {
        this(capacity, windows, onWindowReleased, false);
    }

    /**
     * @param capacity bytes, a power of two of at least 64.
     * @param windows most windows out at once.
     * @param onWindowReleased run on the event loop each time a window comes back (the socket took its bytes), or
     *                         null.
     * @param keepUntilAcked whether bytes come back only when {@link #releaseThrough} acknowledges their frames,
     *                       rather than when the socket took them.
     */
    public SendLog(final int capacity, final int windows, final Runnable onWindowReleased,
        final boolean keepUntilAcked)
    {
        if (!BitUtil.isPowerOfTwo(capacity) || capacity < 64)
        {
            throw new IllegalArgumentException("capacity must be a power of two of at least 64, was " + capacity);
        }
        if (windows < 2)
        {
            throw new IllegalArgumentException("at least two windows (one either side of the wrap), was " + windows);
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        final ByteBuffer memory = ByteBuffer.allocateDirect(capacity);
        this.buffer = new UnsafeBuffer(memory);
        this.freeWindows = new Window[windows];
        for (int i = 0; i < windows; i++)
        {
            freeWindows[i] = new Window(memory.duplicate());
        }
        this.freeCount = windows;
        this.onWindowReleased = onWindowReleased;
        this.keepUntilAcked = keepUntilAcked;
    }

    /**
     * @param maxFrameLength the largest frame the log must take.
     * @return the capacity for it: a power of two of at least {@link #MIN_CAPACITY} and two such frames, so that a
     * frame always fits once everything before it has been sent, however much padding the wrap costs.
     */
    public static int capacityFor(final int maxFrameLength)
    {
        final long twoFrames = 2L * maxFrameLength;
        if (twoFrames > 1 << 30)
        {
            throw new IllegalArgumentException("two frames of " + maxFrameLength + " bytes exceed a 1 GiB log");
        }
        return BitUtil.findNextPositivePowerOfTwo(Math.max(MIN_CAPACITY, (int)twoFrames));
    }

    /**
     * @return the memory frames are written into; index {@link #claimIndex()} is the start of the claimed frame.
     */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return bytes the log holds.
     */
    public int capacity()
    {
        return capacity;
    }

    /**
     * @return the largest frame a claim may ask for: half the capacity.
     */
    public int maxFrameLength()
    {
        return capacity >> 1;
    }

    /**
     * Claims room for a frame at the tail. Application thread; one claim at a time.
     *
     * @param frameLength the frame's length, at most {@link #maxFrameLength()}.
     * @return the position after the frame once committed; -1 when the log has no room until the socket takes more.
     * @throws IllegalArgumentException when the frame is longer than {@link #maxFrameLength()}: it would never fit.
     */
    public long tryClaim(final int frameLength)
    {
        if (frameLength > capacity >> 1)
        {
            throw new IllegalArgumentException(
                "a frame of " + frameLength + " bytes exceeds the log's maximum of " + (capacity >> 1));
        }
        final long position = tail;
        final int toEnd = capacity - ((int)position & mask);
        final int padding = frameLength > toEnd ? toEnd : 0;
        final long end = position + padding + frameLength;
        if (end - releasedSeen > capacity)
        {
            releasedSeen = released;
            if (end - releasedSeen > capacity)
            {
                return -1;
            }
        }
        claimPadding = padding;
        claimLength = frameLength;
        return end;
    }

    /**
     * @return the index in {@link #buffer()} of the claimed frame's first byte.
     */
    public int claimIndex()
    {
        return claimPadding > 0 ? 0 : (int)tail & mask;
    }

    /**
     * Publishes the claimed frame to the event loop. Application thread. The store is volatile, so whatever the caller
     * reads next (whether the event loop must be woken) is read after the frame is visible.
     *
     * @return the position after the frame.
     */
    public long commit()
    {
        if (claimPadding > 0)
        {
            padPosition = tail;
        }
        final long end = tail + claimPadding + claimLength;
        tail = end;
        claimPadding = 0;
        claimLength = 0;
        published = end;
        return end;
    }

    /**
     * Gives the claimed room back; the next claim starts where this one did. Application thread.
     */
    public void abort()
    {
        claimPadding = 0;
        claimLength = 0;
    }

    /**
     * @return the position after the last committed frame.
     */
    public long position()
    {
        return published;
    }

    /**
     * @return bytes committed that the socket has not taken yet (when kept until acknowledged: that the relay has not
     * acknowledged yet), and any padding among them. Any thread.
     */
    public long bufferedBytes()
    {
        return Math.max(0, published - released);
    }

    /**
     * @return whether frames were committed that no window has handed out yet. Event loop.
     */
    public boolean hasUnsent()
    {
        return published > sent;
    }

    /**
     * @return whether a window is free to hand out. Event loop.
     */
    public boolean hasFreeWindow()
    {
        return freeCount > 0;
    }

    /**
     * @return whether every window has come back: none is out with a connection. Event loop.
     */
    public boolean allWindowsBack()
    {
        return freeCount == freeWindows.length;
    }

    /**
     * Gives back the bytes of every frame sent whose sequence is at most {@code sequence}: the relay acknowledged them
     * (its ACK is cumulative). Only for a log kept until acknowledged; reads the frames' headers from the oldest kept
     * on, and allocates nothing. Event loop.
     *
     * @param sequence the highest sequence acknowledged.
     */
    public void releaseThrough(final long sequence)
    {
        if (!keepUntilAcked)
        {
            throw new IllegalStateException("the log gives bytes back when the socket took them");
        }
        final long position = firstAbove(sequence, sent);
        if (position != acked)
        {
            acked = position;
            released = position;
        }
    }

    /**
     * Makes the frames kept go out again, on a new connection whose relay expects {@code nextSequence} next: the
     * frames below it are given back (the relay has them), the rest are sent again from the oldest on, numbered from
     * {@code nextSequence} (so they continue the relay's sequence even when it forgot what it had acknowledged). Only
     * for a log kept until acknowledged, with every window back and no claim open. Event loop.
     *
     * @param nextSequence the sequence the relay expects next.
     * @return the sequence the next frame committed takes: {@code nextSequence} plus the frames to be sent again.
     */
    public long resendFrom(final long nextSequence)
    {
        if (!keepUntilAcked || !allWindowsBack())
        {
            throw new IllegalStateException(keepUntilAcked ? "windows are still out with the connection" :
                "the log gives bytes back when the socket took them");
        }
        final long end = published;
        final long first = firstAbove(nextSequence - 1, end);
        acked = first;
        released = first;
        sent = first;
        long sequence = nextSequence;
        long position = first;
        while (position < end)
        {
            position = skipPadding(position);
            final int index = (int)position & mask;
            buffer.putLong(index + SEQUENCE_OFFSET, sequence++, ByteOrder.BIG_ENDIAN);
            position += buffer.getInt(index + LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
        }
        return sequence;
    }

    // Event loop: where the first kept frame with a sequence above `sequence` starts, looking no further than `limit`.
    private long firstAbove(final long sequence, final long limit)
    {
        long position = acked;
        while (position < limit)
        {
            final long frame = skipPadding(position);
            if (frame >= limit)
            {
                return frame;
            }
            final int index = (int)frame & mask;
            if (buffer.getLong(index + SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN) > sequence)
            {
                return frame;
            }
            position = frame + buffer.getInt(index + LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
        }
        return position;
    }

    // The kept bytes hold at most one lap's padding, so the one padPosition names is theirs (see nextWindow).
    private long skipPadding(final long position)
    {
        return position == padPosition ? position + capacity - ((int)position & mask) : position;
    }

    /**
     * Hands out the next run of committed bytes not handed out yet, up to the end of the buffer or the padding before
     * it: a ByteBuf to write to the channel as it is, which gives its bytes back to the log when released (Netty
     * releases it once written). Event loop.
     *
     * @return the window; null when nothing is committed beyond what went out, or every window is out.
     */
    public ByteBuf nextWindow()
    {
        final long end = published;
        long position = sent;
        while (position < end && freeCount > 0)
        {
            final int index = (int)position & mask;
            final long lapEnd = position + capacity - index;
            long windowEnd = Math.min(end, lapEnd);
            long next = windowEnd;
            final long pad = padPosition;
            if (pad >= position && pad < windowEnd)
            {
                // The rest of this lap is padding: send up to it, and give it back with the window before it.
                windowEnd = pad;
                next = lapEnd;
            }
            if (windowEnd == position)
            {
                position = next;
                continue;
            }
            sent = next;
            return freeWindows[--freeCount].open(index, (int)(windowEnd - position), next);
        }
        sent = position;
        return null;
    }

    private void onReleased(final Window window)
    {
        if (!keepUntilAcked)
        {
            // Netty releases written messages in the order they were written, so this is the end of everything sent.
            released = window.releaseTo;
        }
        freeWindows[freeCount++] = window;
        if (onWindowReleased != null)
        {
            onWindowReleased.run();
        }
    }

    /**
     * A ByteBuf over the whole log whose readable bytes are one run of frames. It is not freed when released: it gives
     * its run back to the log and waits to be handed out again.
     */
    private final class Window extends UnpooledUnsafeDirectByteBuf
    {
        private long releaseTo;

        Window(final ByteBuffer memory)
        {
            super(UnpooledByteBufAllocator.DEFAULT, memory, memory.capacity());
        }

        Window open(final int index, final int length, final long releaseTo)
        {
            this.releaseTo = releaseTo;
            resetRefCnt();
            setIndex(index, index + length);
            return this;
        }

        @Override
        protected void deallocate()
        {
            onReleased(this);
        }
    }
}
