package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A lane's hand-off from its producers: a bounded queue of runs of DATA frames, and the producers waiting for room.
 * <p>
 * Producers, on their own event loops, {@link #offer} runs; the lane's event loop takes them. When the hand-off holds
 * {@code laneBytes} or {@code laneRuns} it refuses the run, and every run after it until it has drained to half of
 * both bounds (hysteresis: at full rate a producer pauses once per half a lane, not once per run). A refused producer
 * keeps its run, stops reading its socket and registers as a waiter ({@link #awaitRoom}); the lane wakes the waiters
 * at the half mark ({@link #wakeWaitersBelowResumeMark}). Register-then-retry on the producer side and
 * drain-then-wake on the lane side mean no wake-up is lost.
 */
final class LaneHandOff
{
    /** {@link #offer}: no room; the caller keeps the run. */
    static final long FULL = -1;
    /** {@link #offer}: no room, and this refusal started the refusing: a drain must follow to end it. */
    static final long FULL_NOW_REFUSING = -2;

    private final long maxBytes;
    private final int resumeRuns;
    private final RunQueue runs;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong peakBytes = new AtomicLong();
    // Set when a run is refused; cleared once the hand-off is down to its resume mark. While set every offer is
    // refused, so producers pause once per half a lane, not once per run.
    private final AtomicBoolean refusing = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Runnable> waiters = new ConcurrentLinkedQueue<>();
    private final LongAdder messagesAccepted = new LongAdder();
    private final LongAdder bytesAccepted = new LongAdder();

    LaneHandOff(final long maxBytes, final int maxRuns)
    {
        this.maxBytes = maxBytes;
        this.runs = new RunQueue(maxRuns);
        this.resumeRuns = maxRuns / 2;
    }

    /**
     * Any thread. Takes ownership of {@code run} when there is room.
     *
     * @return the bytes queued with the run, or {@link #FULL} or {@link #FULL_NOW_REFUSING} (the caller keeps it).
     */
    long offer(final ByteBuf run, final int messages)
    {
        if (refusing.get())
        {
            return FULL;
        }
        final int bytes = run.readableBytes();
        if (queuedBytes.get() >= maxBytes || !runs.offer(run, messages))
        {
            return refusing.compareAndSet(false, true) ? FULL_NOW_REFUSING : FULL;
        }
        final long queued = queuedBytes.addAndGet(bytes);
        messagesAccepted.add(messages);
        bytesAccepted.add(bytes);
        return queued;
    }

    /** Any thread. Registers a task to run when there is room again; the caller retries its offer after it. */
    void awaitRoom(final Runnable waiter)
    {
        waiters.add(waiter);
    }

    /** Lane's event loop. @return the oldest run, still queued, or null. */
    ByteBuf peek()
    {
        return runs.peek();
    }

    /**
     * Lane's event loop. @return the oldest run, taken out (the caller owns it), or null; its frames:
     * {@link #polledFrames}.
     */
    ByteBuf poll()
    {
        final ByteBuf run = runs.poll();
        if (run != null)
        {
            queuedBytes.addAndGet(-run.readableBytes());
        }
        return run;
    }

    /** Lane's event loop, after a {@link #poll} that returned a run: how many frames it holds, without a walk. */
    int polledFrames()
    {
        return runs.polledFrames();
    }

    /** Lane's event loop: how many frames the run {@link #peek} returned holds (walked only if it was partly taken). */
    int headFrames()
    {
        return runs.headFrames();
    }

    /**
     * Lane's event loop: the frames of the oldest run ({@link #peek}) up to {@code reached} were taken; the run is
     * released when that is all of it.
     */
    void advance(final ByteBuf head, final int reached)
    {
        queuedBytes.addAndGet(-(reached - head.readerIndex()));
        if (reached < head.writerIndex())
        {
            if (reached > head.readerIndex())
            {
                head.readerIndex(reached);
                runs.headPartlyTaken();
            }
            return;
        }
        runs.poll();
        head.release();
    }

    /** Lane's event loop: releases every queued run. */
    void releaseAll()
    {
        ByteBuf run;
        while ((run = poll()) != null)
        {
            run.release();
        }
    }

    /** @return whether no run is queued. */
    boolean isEmpty()
    {
        return runs.isEmpty();
    }

    /**
     * Lane's event loop, after a drain: at or below half of both bounds the hand-off takes runs again and its
     * waiters are woken. The flag is cleared before the waiters retry, and a producer that registers after this
     * check finds the flag clear on its own retry.
     */
    void wakeWaitersBelowResumeMark()
    {
        if (queuedBytes.get() <= maxBytes / 2 && runs.size() <= resumeRuns)
        {
            refusing.set(false);
            wakeWaiters();
        }
    }

    /** Wakes every waiter (the lane has room, or is gone). */
    void wakeWaiters()
    {
        Runnable waiter;
        while ((waiter = waiters.poll()) != null)
        {
            waiter.run();
        }
    }

    /** Any thread: records {@code bytes} held by the lane if it is the most seen. */
    void recordPeak(final long bytes)
    {
        long peak;
        while (bytes > (peak = peakBytes.get()))
        {
            if (peakBytes.compareAndSet(peak, bytes))
            {
                return;
            }
        }
    }

    /** @return bytes queued and not yet taken by the lane. */
    long queuedBytes()
    {
        return queuedBytes.get();
    }

    /** @return the most bytes the lane has been seen holding ({@link #recordPeak}). */
    long peakBytes()
    {
        return peakBytes.get();
    }

    /** @return messages accepted. */
    long messagesAccepted()
    {
        return messagesAccepted.sum();
    }

    /** @return bytes of the messages accepted. */
    long bytesAccepted()
    {
        return bytesAccepted.sum();
    }
}
