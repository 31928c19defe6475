package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.sluice.core.netty.OutboundBytes;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.drop.stage.DropStage;
import io.sluice.server.tier.disk.AppendWatch;
import io.sluice.server.tier.disk.DiskTier;
import io.sluice.server.tier.memory.MemoryTier;
import io.sluice.spill.deadletter.DeadLetterStore;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One subscriber's outbound path: a bounded hand-off from the producers ({@link LaneHandOff}), the tiers its
 * strategy gives it, and a drain to the subscriber's channel while it is writable: straight from the hand-off under
 * the throttle strategy, through the tiers ({@link TieredDrain}) under buffer and spill. On close or a graceful stop
 * a durable lane hands what it holds over to its disk tier ({@link DiskHandOver}). What the lanes view reads of it,
 * {@link LaneGauges} measures.
 * <p>
 * Producers, on their own event loops, {@link #offer} runs of DATA frames (slices of what they read; the lane
 * takes ownership). The lane's own event loop writes them to the subscriber in order, flushes once per drain, and
 * stops while the channel is not writable.
 * <p>
 * Bytes held by a lane: at most {@code laneBytes} plus one run per producer (the check and the add race), plus
 * Netty's outbound buffer, which the drain keeps below the high-water mark plus one run.
 */
public final class Lane
{
    /** {@link #offer}: the lane took the run. */
    public static final int OFFER_ACCEPTED = 0;
    /** {@link #offer}: no room; the caller keeps the run. */
    public static final int OFFER_FULL = 1;
    /** {@link #offer}: the lane is closed; the run was released without being accepted. */
    public static final int OFFER_CLOSED = 2;

    private final Channel channel;
    private final EventLoop eventLoop;
    private final String subscription;
    private final LaneHandOff handOff;
    private final WrittenCounters written = new WrittenCounters();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    private volatile boolean closed;
    // Set by handOverForShutdown and detach: output has stopped and new runs go to disk.
    private volatile boolean handedOver;
    // Set by handOverForShutdown only.
    private volatile boolean stopping;
    // When detach() ran, epoch millis; 0 while the lane has its subscriber.
    private long detachedAtMillis;
    // The lane of the subscription's next connection, once it took this detached lane's place in the stream.
    private volatile Lane replacement;

    // The disk tier: only the lane's event loop touches it. Null when the strategy has none.
    private final DiskTier disk;
    /** Null without tiers. */
    private final TieredDrain tiered;
    /** Null unless the subscriber acknowledges what it processed. */
    private final AckWindow acks;
    /** Null unless the lane is durable. */
    private final DiskHandOver toDisk;

    // Producers held: started and ended on the producers' path, so not behind the gauges.
    private final HoldClock holds = new HoldClock();
    private final LaneGauges gauges;

    /**
     * @param diskFactory makes the disk tier, given what it is to call when the lane has work (see
     * {@link LaneWaker}); or null for none.
     */
    public Lane(final Channel channel, final String streamName, final String subscription, final StreamConfig config,
        final java.util.function.Function<LaneWaker, DiskTier> diskFactory, final DeadLetterStore deadLetters)
    {
        this(channel, streamName, subscription, config, diskFactory, deadLetters, null);
    }

    /**
     * @param diskFactory makes the disk tier, given what it is to call when the lane has work (see
     * {@link LaneWaker}); or null for none.
     * @param acks the subscriber's acknowledgement window, already in the channel's pipeline; or null when the
     * subscriber does not acknowledge.
     */
    public Lane(final Channel channel, final String streamName, final String subscription, final StreamConfig config,
        final java.util.function.Function<LaneWaker, DiskTier> diskFactory, final DeadLetterStore deadLetters,
        final AckWindow acks)
    {
        final LaneWaker waker = new LaneWaker();
        this.acks = acks;
        this.channel = channel;
        this.eventLoop = channel.eventLoop();
        this.subscription = subscription;
        this.handOff = new LaneHandOff(config.laneBytes(), config.laneRuns());
        // The memory tier and the drop policy at work: null when the strategy has none, or on-full is throttle.
        final MemoryTier memory = config.strategy().hasMemoryTier() ? new MemoryTier(config.memoryBytes()) : null;
        this.disk = diskFactory == null ? null : diskFactory.apply(waker);
        final DropStage drops = config.onFull().isThrottle() ? null :
            new DropStage(config.onFull().newPolicy(), memory, streamName, deadLetters);
        this.tiered = memory == null ? null :
            new TieredDrain(channel, streamName, handOff, written, memory, disk, drops, acks);
        this.toDisk = disk == null || !disk.isDurable() ? null :
            new DiskHandOver(channel, streamName, handOff, written, memory, disk, acks);
        this.gauges = new LaneGauges(channel, streamName, subscription, config.label(), handOff, written, holds, memory,
            disk, drops, tiered, acks);
        // Every field is set: only now may the spill thread reach the lane (the volatile write publishes them), and
        // a wake it tried before is made up for by this drain.
        waker.reach(this);
        if (disk != null)
        {
            scheduleDrain();
        }
    }

    public String subscription()
    {
        return subscription;
    }

    public Channel channel()
    {
        return channel;
    }

    /**
     * Any thread. Takes ownership of {@code run} unless it returns {@link #OFFER_FULL}. Once the lane has refused a
     * run it refuses every run until it has drained to half of {@code laneBytes} and of {@code laneRuns}, and then
     * wakes its waiters: a producer pauses at the full mark and resumes at the half mark.
     *
     * @param run DATA frames, back to back.
     * @param messages frames in the run.
     * @return {@link #OFFER_ACCEPTED} (counted as accepted), {@link #OFFER_FULL} (the caller keeps the run), or
     * {@link #OFFER_CLOSED} (the subscriber is gone: the run was released, and the caller accounts for it).
     */
    public int offer(final ByteBuf run, final int messages)
    {
        if (closed)
        {
            run.release();
            return OFFER_CLOSED;
        }
        final long queued = handOff.offer(run, messages);
        if (queued == LaneHandOff.FULL)
        {
            return OFFER_FULL;
        }
        if (queued == LaneHandOff.FULL_NOW_REFUSING)
        {
            // The drain ends the refusing: make sure one comes after it began, even if the lane emptied meanwhile.
            scheduleDrain();
            return OFFER_FULL;
        }
        handOff.recordPeak(queued + outboundBytes());
        // Also when close() won a race with this offer: the drain releases whatever is queued.
        scheduleDrain();
        return OFFER_ACCEPTED;
    }

    /**
     * Any thread. Registers a task to run (on the caller's own executor, which the task handles) when the lane
     * has room again. The caller retries its offer after registering.
     */
    public void awaitRoom(final Runnable waiter)
    {
        handOff.awaitRoom(waiter);
    }

    private void scheduleDrain()
    {
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true))
        {
            try
            {
                eventLoop.execute(drainTask);
            }
            catch (final java.util.concurrent.RejectedExecutionException ex)
            {
                // The relay is stopping and the loop is gone (the spill thread can wake a lane late): nothing to do.
                drainScheduled.set(false);
            }
        }
    }

    /**
     * Lane's event loop: write queued runs while the channel is writable; flush once.
     */
    public void drain()
    {
        drainScheduled.set(false);
        if (closed)
        {
            handOff.releaseAll();
            handOff.wakeWaiters();
            return;
        }
        if (handedOver)
        {
            toDisk.drainToDisk();
            return;
        }
        if (tiered != null)
        {
            if (tiered.drain())
            {
                // More to do than one drain allows, or the flush made room for what waits: come back after other
                // tasks had their turn.
                scheduleDrain();
            }
            return;
        }
        drainDirect();
    }

    // No tiers: runs go from the hand-off to the channel while it is writable.
    private void drainDirect()
    {
        boolean wrote = false;
        long messages = 0;
        long bytes = 0;
        ByteBuf run;
        while (channel.isWritable() && windowOpen() && (run = handOff.poll()) != null)
        {
            bytes += run.readableBytes();
            messages += handOff.polledFrames();
            channel.write(run, channel.voidPromise());
            wrote = true;
        }
        if (wrote)
        {
            written.add(messages, bytes);
            channel.flush();
            handOff.recordPeak(handOff.queuedBytes() + outboundBytes());
            if (channel.isWritable() && windowOpen() && !handOff.isEmpty())
            {
                // The flush made room for what still waits.
                scheduleDrain();
            }
        }
        handOff.wakeWaitersBelowResumeMark();
    }

    private boolean windowOpen()
    {
        return acks == null || acks.isOpen();
    }

    /**
     * Lane's event loop: the subscriber acknowledged every position up to {@code position}; sends on if that opened
     * the window.
     *
     * @return {@link AckWindow#ACK_TAKEN}, or {@link AckWindow#ACK_OUT_OF_RANGE} when nothing was sent at that
     * position yet (and for a lane whose subscriber did not ask to acknowledge).
     */
    public int acknowledge(final long position)
    {
        if (acks == null)
        {
            return AckWindow.ACK_OUT_OF_RANGE;
        }
        final boolean wasOpen = acks.isOpen();
        final int result = acks.acknowledge(position);
        if (disk != null && disk.isJournaled())
        {
            disk.acknowledged(acks.acked());
        }
        if (!wasOpen && acks.isOpen())
        {
            scheduleDrain();
        }
        return result;
    }

    /**
     * @return whether every frame the lane takes stays on its disk tier until acknowledged: its publishers' ACKs wait
     * for the disk ({@link #watch}).
     */
    public boolean isJournaled()
    {
        return disk != null && disk.isJournaled();
    }

    /**
     * Publisher's event loop, before its first offer to a journaled lane: {@code watch} learns as the publisher's
     * frames (source {@code sourceId}) reach the disk.
     */
    public void watch(final int sourceId, final AppendWatch watch)
    {
        disk.watch(sourceId, watch);
    }

    /** Publisher's event loop, as its connection ends. */
    public void unwatch(final int sourceId, final AppendWatch watch)
    {
        disk.unwatch(sourceId, watch);
    }

    /** @return the subscriber's acknowledgement window, or null when it does not acknowledge. */
    public AckWindow acks()
    {
        return acks;
    }

    /**
     * Lane's event loop: the subscriber's connection is gone. Releases what is queued and lets producers go on.
     */
    public void close()
    {
        if (closed)
        {
            // Already handed over at shutdown (handOverForShutdown); the disk tier is closed once only.
            return;
        }
        closed = true;
        if (toDisk != null)
        {
            toDisk.onClose();
        }
        if (acks != null)
        {
            acks.releaseAll();
        }
        handOff.releaseAll();
        if (toDisk != null)
        {
            toDisk.beforeDiskCloses(detachedAtMillis);
        }
        if (disk != null)
        {
            disk.close();
        }
        handOff.wakeWaiters();
    }

    /**
     * Lane's event loop, when the relay stops gracefully: a durable lane keeps on disk everything it has not put on
     * the wire, and writes nothing more to its channel. Oldest first: the frames in the channel's outbound buffer the
     * kernel has not started on and the memory tier go to the head store; restored chunks not yet sent follow them
     * when the disk tier closes; the hand-off, and any run publishers still deliver, go to the main store behind
     * everything on disk (see {@link DiskHandOver#drainToDisk()}). The rest of a frame the kernel took part of is
     * still written, so the subscriber receives whole frames up to the end of the stream. The connection stays open
     * so the subscriber can read what the kernel holds for it; {@link #close()} closes the disk tier once it is gone.
     *
     * @return whether the lane handed over; false without a durable disk tier, or when already closed.
     */
    public boolean handOverForShutdown()
    {
        if (!mayHandOver())
        {
            return false;
        }
        stopping = true;
        toDisk.handOver("stopping", this::stopWriting);
        return true;
    }

    /**
     * Any thread: the subscription's next connection took this detached lane's place in the stream
     * ({@code Stream.addLaneReplacingDetached}); a run a publisher holds for this lane is owed to {@code next} once
     * this lane has closed.
     */
    public void replacedBy(final Lane next)
    {
        replacement = next;
    }

    /** @return the lane that took this detached lane's place, or null. */
    public Lane replacement()
    {
        return replacement;
    }

    /**
     * Lane's event loop: a durable lane whose subscriber is gone or stuck (see {@code on-stuck detach}) keeps taking
     * what its producers send, to disk, until it is closed: the subscription accumulates while nobody reads it, bounded
     * by its disk quota. What it held goes to disk as in {@link #handOverForShutdown()}.
     *
     * @return whether the lane detached; false without a durable disk tier, or when already closed or handed over.
     */
    public boolean detach()
    {
        if (!mayHandOver())
        {
            return false;
        }
        detachedAtMillis = System.currentTimeMillis();
        toDisk.handOver("detached", this::stopWriting);
        return true;
    }

    /** @return whether the lane was handed over because the relay is stopping. */
    public boolean isStopping()
    {
        return stopping;
    }

    private boolean mayHandOver()
    {
        return !closed && !handedOver && toDisk != null;
    }

    private void stopWriting()
    {
        handedOver = true;
    }

    /** @return whether {@link #handOverForShutdown()} handed the lane over. */
    public boolean isHandedOver()
    {
        return handedOver;
    }

    /** Lane's event loop: bytes the socket took of what the lane wrote, given {@link UnsentBytes#of} the channel. */
    long takenBytes(final long unsent)
    {
        return written.bytes() - unsent;
    }

    /** Lane's event loop, from its {@link StuckGuard}. */
    void markStuck(final boolean stuck)
    {
        gauges.markStuck(stuck);
    }

    /**
     * Lane's event loop: an evicted lane closes. One that is not durable first takes back what its outbound buffer
     * holds (but the rest of a partly taken frame, so an ERROR can follow), and releases all it holds; a durable one
     * keeps its tiers on disk, as when its subscriber disconnects.
     *
     * @return messages released: none of them reaches the subscriber.
     */
    long evict()
    {
        if (closed || handedOver || disk != null && disk.isDurable())
        {
            close();
            return 0;
        }
        final UnsentFrames unsent = UnsentFrames.collect(channel);
        for (final ByteBuf frames : unsent.frames())
        {
            frames.release();
        }
        if (acks != null)
        {
            acks.releaseAll();
        }
        written.takeBack(unsent.messages());
        unsent.clearAndFinish(channel);
        close();
        return gauges.waitingMessages();
    }

    /** Lane's event loop: let the lane know restored frames or an opened disk tier are ready. */
    void wake()
    {
        scheduleDrain();
    }

    /** @return bytes in the channel's outbound buffer; any thread. */
    public long outboundBytes()
    {
        return OutboundBytes.pending(channel);
    }

    /** @return bytes queued in the lane and not yet handed to the channel. */
    public long queuedBytes()
    {
        return handOff.queuedBytes();
    }

    /** @return the most bytes (queued plus the channel's outbound buffer) the lane has been seen holding. */
    public long peakBytes()
    {
        return handOff.peakBytes();
    }

    /** @return messages the lane accepted. */
    public long messagesAccepted()
    {
        return handOff.messagesAccepted();
    }

    /** @return how long the lane has held producers paused; any thread. */
    public HoldClock holds()
    {
        return holds;
    }

    /** @return the lane's event loop, where {@link #measureDepths()} runs. */
    public EventLoop eventLoop()
    {
        return eventLoop;
    }

    /**
     * Lane's event loop: measures what waits in each tier and the oldest waiting frame's timestamp, for
     * {@link #snapshot()} (see {@link LaneGauges#measureDepths()}).
     */
    public void measureDepths()
    {
        gauges.measureDepths();
    }

    /** @return a snapshot of the lane's counters; safe from any thread. */
    public LaneSnapshot snapshot()
    {
        return gauges.snapshot(closed);
    }

    /** @return whether the lane keeps what it holds on disk when its subscriber leaves (a durable subscription). */
    public boolean isDurable()
    {
        return toDisk != null;
    }

    public boolean isClosed()
    {
        return closed;
    }
}
