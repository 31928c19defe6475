package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.sluice.core.protocol.Frames;
import org.agrona.BitUtil;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded many-to-one queue of runs, each with the number of frames the producer found in it, so that the lane's
 * drain counts what it writes without walking the frames a second time (at 64-byte messages that walk cost the relay
 * about a tenth of its CPU).
 * <p>
 * A producer claims a slot by moving the tail, writes the run's frame count, then publishes the run with an ordered
 * store; the consumer takes the run with a volatile read, which makes the count written before it visible, reads the
 * count, clears the slot and only then moves the head that frees the slot for the producers. A slot claimed but not
 * yet published reads as empty.
 */
final class RunQueue
{
    /** {@link #headFrames()} of a run that was partly taken: its frames are counted when asked for. */
    private static final int UNKNOWN = -1;

    private final int capacity;
    private final int mask;
    private final AtomicReferenceArray<ByteBuf> runs;
    private final int[] frames;
    private final AtomicLong head = new AtomicLong();
    private final AtomicLong tail = new AtomicLong();
    // The last run polled and its count as offered (UNKNOWN if it was partly taken), for polledFrames.
    private ByteBuf polled;
    private int polledCount;

    /** @param capacity the most runs held; rounded up to a power of two. */
    RunQueue(final int capacity)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        final int slots = BitUtil.findNextPositivePowerOfTwo(capacity);
        this.capacity = slots;
        this.mask = slots - 1;
        this.runs = new AtomicReferenceArray<>(slots);
        this.frames = new int[slots];
    }

    /**
     * Any thread. Adds {@code run} holding {@code frameCount} whole frames.
     *
     * @return false when the queue is full (the caller keeps the run).
     */
    boolean offer(final ByteBuf run, final int frameCount)
    {
        long claimed;
        do
        {
            claimed = tail.get();
            if (claimed - head.get() >= capacity)
            {
                return false;
            }
        }
        while (!tail.compareAndSet(claimed, claimed + 1));
        final int slot = (int)claimed & mask;
        frames[slot] = frameCount;
        runs.lazySet(slot, run);
        return true;
    }

    /** Consumer. @return the oldest run, taken out (the caller owns it), or null; its frames: {@link #polledFrames}. */
    ByteBuf poll()
    {
        final long current = head.get();
        final int slot = (int)current & mask;
        final ByteBuf run = runs.get(slot);
        if (run == null)
        {
            return null;
        }
        polled = run;
        polledCount = frames[slot];
        runs.lazySet(slot, null);
        head.lazySet(current + 1);
        return run;
    }

    /**
     * Consumer, after a {@link #poll} that returned a run and before the run is released: the whole frames between its
     * reader and writer index, walked only if it was partly taken.
     */
    int polledFrames()
    {
        return polledCount == UNKNOWN ? Frames.count(polled) : polledCount;
    }

    /** Any thread. @return the oldest run, still queued, or null. */
    ByteBuf peek()
    {
        return runs.get((int)head.get() & mask);
    }

    /** Consumer: the whole frames readable in the run {@link #peek} returned. */
    int headFrames()
    {
        final int slot = (int)head.get() & mask;
        final int count = frames[slot];
        return count == UNKNOWN ? Frames.count(runs.get(slot)) : count;
    }

    /** Consumer: the oldest run was partly taken (its reader index moved), so its frame count no longer holds. */
    void headPartlyTaken()
    {
        frames[(int)head.get() & mask] = UNKNOWN;
    }

    /** Any thread. @return runs queued, counting those claimed but not yet published. */
    int size()
    {
        // Head first: the tail read after it is never behind it.
        final long oldest = head.get();
        return (int)(tail.get() - oldest);
    }

    /** Any thread. @return whether no run is queued. */
    boolean isEmpty()
    {
        return size() == 0;
    }
}
