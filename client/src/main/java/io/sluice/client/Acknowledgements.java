package io.sluice.client;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.util.EpochClock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection's acknowledgements: what has been delivered and processed, by position, and the ACK frames that
 * tell the relay. Processed positions may come from any thread; ACKs are written on the connection's event loop,
 * coalesced: one goes out once half the granted window (in messages, or in bytes) is processed and unacknowledged, or
 * {@link #MAX_DELAY_MS} after the first processed position not yet sent, whichever comes first, and one on close.
 * <p>
 * Bytes processed are counted exactly when the library acknowledges ({@link AckMode#AUTO}); an explicit
 * {@link #acknowledge} counts every byte delivered so far, which may send an ACK early, never late.
 */
final class Acknowledgements
{
    /** Longest an acknowledgement waits before it is sent. */
    static final long MAX_DELAY_MS = 100;

    private final Channel channel;
    private final EventLoop eventLoop;
    private final int streamId;
    private final AckMode mode;
    private final long firstPosition;
    private final long redeliveredThrough;
    private final int windowMessages;
    private final int windowBytes;
    private final long halfWindowMessages;
    private final long halfWindowBytes;
    private final Runnable flushTask = this::flushQueued;
    private final Runnable timerTask = this::timerExpired;
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    private final AtomicBoolean timerArmed = new AtomicBoolean();

    // Written by the delivering thread: the last position delivered and the bytes of frames delivered through it.
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong deliveredBytes = new AtomicLong();
    // Highest position processed, and the bytes through it (exact in AUTO, an upper bound in EXPLICIT).
    private final AtomicLong processed = new AtomicLong();
    private volatile long processedBytes;
    // Written on the event loop only: what the last ACK said.
    private volatile long sentThrough;
    private volatile long sentBytes;
    // Set on the event loop with the last ACK, before the goodbye: nothing is sent after it.
    private volatile boolean finished;

    Acknowledgements(final Channel channel, final Welcome welcome, final AckMode mode)
    {
        this.channel = channel;
        this.eventLoop = channel.eventLoop();
        this.streamId = welcome.streamId();
        this.mode = mode;
        this.firstPosition = welcome.nextSequence();
        this.redeliveredThrough = welcome.redeliveredThrough();
        this.windowMessages = welcome.windowMessages();
        this.windowBytes = welcome.windowBytes();
        // A window of 0 or less bounds nothing here: the timer alone sends.
        this.halfWindowMessages = windowMessages > 0 ? Math.max(1, windowMessages / 2) : Long.MAX_VALUE;
        this.halfWindowBytes = windowBytes > 0 ? Math.max(1, windowBytes / 2) : Long.MAX_VALUE;
        delivered.set(firstPosition - 1);
        processed.set(firstPosition - 1);
        sentThrough = firstPosition - 1;
    }

    AckMode mode()
    {
        return mode;
    }

    long firstPosition()
    {
        return firstPosition;
    }

    long redeliveredThrough()
    {
        return redeliveredThrough;
    }

    int windowMessages()
    {
        return windowMessages;
    }

    int windowBytes()
    {
        return windowBytes;
    }

    long processedPosition()
    {
        return processed.get();
    }

    long deliveredPosition()
    {
        return delivered.get();
    }

    /**
     * Delivering thread, before the application sees the frame, so that it may acknowledge it at once.
     */
    void delivered(final long position, final long bytesThrough)
    {
        deliveredBytes.lazySet(bytesThrough);
        delivered.lazySet(position);
    }

    /**
     * Delivering thread, {@link AckMode#AUTO}: everything through {@code position} is processed.
     *
     * @param bytesThrough bytes of frames delivered through it.
     */
    void processed(final long position, final long bytesThrough)
    {
        processedBytes = bytesThrough;
        processed.set(position);
        afterProcessed(position, bytesThrough);
    }

    /**
     * Any thread, {@link AckMode#EXPLICIT}: everything through {@code position} is processed.
     */
    void acknowledge(final long position)
    {
        if (mode != AckMode.EXPLICIT)
        {
            throw new IllegalStateException("the library acknowledges this subscription (AckMode.AUTO)");
        }
        final long last = delivered.get();
        if (position > last)
        {
            throw new IllegalArgumentException("position " + position + " not delivered yet: the last is " + last);
        }
        long current;
        while ((current = processed.get()) < position)
        {
            if (processed.compareAndSet(current, position))
            {
                final long bytes = deliveredBytes.get();
                processedBytes = bytes;
                afterProcessed(position, bytes);
                return;
            }
        }
    }

    // The store to `processed` comes before the look at the timer: a timer that has just fired reads it after
    // clearing the flag, so either it sends this position or the flag is seen clear and a new timer is armed.
    private void afterProcessed(final long position, final long bytesThrough)
    {
        final long sent = sentThrough;
        if (position <= sent || finished)
        {
            return;
        }
        if (position - sent >= halfWindowMessages || bytesThrough - sentBytes >= halfWindowBytes)
        {
            if (eventLoop.inEventLoop())
            {
                flush();
            }
            else if (channel.isActive() && flushQueued.compareAndSet(false, true))
            {
                eventLoop.execute(flushTask);
            }
        }
        else if (!timerArmed.get() && channel.isActive() && timerArmed.compareAndSet(false, true))
        {
            eventLoop.schedule(timerTask, MAX_DELAY_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void flushQueued()
    {
        flushQueued.set(false);
        flush();
    }

    private void timerExpired()
    {
        timerArmed.set(false);
        flush();
    }

    /**
     * Event loop, before the goodbye: the last ACK, then none.
     */
    void finish()
    {
        flush();
        finished = true;
    }

    /**
     * Event loop: an ACK for every position processed and not yet acknowledged, if any and the connection is up.
     */
    void flush()
    {
        final long through = processed.get();
        if (through <= sentThrough || finished || !channel.isActive())
        {
            return;
        }
        sentBytes = processedBytes;
        sentThrough = through;
        channel.writeAndFlush(Frames.empty(channel.alloc(), FrameType.ACK, streamId, 0, through, EpochClock.nanos()));
    }
}
