package io.sluice.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.sluice.core.netty.ByteBufView;
import io.sluice.core.netty.OutboundBytes;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.server.drop.DropReason;
import io.sluice.spill.DeadLetterStore;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One subscriber's outbound path: a bounded buffer, an on-full policy, and a drain to the subscriber's channel
 * while it is writable.
 * <p>
 * Producers, on their own event loops, {@link #offer} runs of DATA frames (slices of what they read; the lane
 * takes ownership). The lane's own event loop writes them to the subscriber in order, flushes once per drain, and
 * stops while the channel is not writable. When the lane holds {@code laneBytes} or {@code laneRuns} it refuses
 * the run, and every run after it until it has drained to half of both bounds (hysteresis: at full rate a
 * producer pauses once per half a lane, not once per run); under the throttle strategy the producer keeps the run,
 * stops reading its socket, and registers as a waiter; the lane wakes its waiters at the half mark.
 * Register-then-retry on the producer side and drain-then-wake on the lane side mean no wake-up is lost.
 * <p>
 * Bytes held by a lane: at most {@code laneBytes} plus one run per producer (the check and the add race), plus
 * Netty's outbound buffer, which the drain keeps below the high-water mark plus one run.
 */
final class Lane
{
    /** {@link #offer}: the lane took the run. */
    static final int OFFER_ACCEPTED = 0;
    /** {@link #offer}: no room; the caller keeps the run. */
    static final int OFFER_FULL = 1;
    /** {@link #offer}: the lane is closed; the run was released without being accepted. */
    static final int OFFER_CLOSED = 2;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Lane.class);

    private final Channel channel;
    private final EventLoop eventLoop;
    private final long maxBytes;
    private final ManyToOneConcurrentArrayQueue<ByteBuf> runs;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong peakBytes = new AtomicLong();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    // Set when the lane refuses a run; cleared by the drain once the lane is down to its resume mark (half of each
    // bound). While set every offer is refused, so producers pause once per half a lane, not once per run.
    private final AtomicBoolean refusing = new AtomicBoolean();
    private final int resumeRuns;
    // Lane's event loop: counts the frames of each run written.
    private final ByteBufView view = new ByteBufView();
    private final ConcurrentLinkedQueue<Runnable> waiters = new ConcurrentLinkedQueue<>();
    private final LongAdder messagesAccepted = new LongAdder();
    private final LongAdder bytesAccepted = new LongAdder();
    private final Runnable drainTask = this::drain;
    private volatile boolean closed;
    // Set by handOverForShutdown: output has stopped and new runs go to disk.
    private volatile boolean handedOver;

    private final String streamName;
    private final String subscription;
    private final String strategy;
    private volatile long messagesWritten;
    private volatile long bytesWritten;

    // Tiers: only the lane's event loop touches them. Null when the strategy has none.
    private final MemoryTier memory;
    private final DiskTier disk;
    /** The drop policy at work, or null when on-full is throttle. */
    private final DropStage drops;
    private volatile LaneTier tier;

    // For the lanes view (metrics): producers held, and what waits where, measured on the lane's event loop when asked.
    private final HoldClock holds = new HoldClock();
    private volatile LaneDepths depths;
    // Lane's event loop: the timestamp of the first frame of the disk backlog, taken when the lane switched to disk.
    private long diskBacklogSinceNanos;

    /**
     * @param diskFactory makes the disk tier, given what it is to call when the lane has work (see {@link Waker}); or
     * null for none.
     */
    Lane(final Channel channel, final String streamName, final String subscription, final StreamConfig config,
        final java.util.function.Function<Waker, DiskTier> diskFactory, final DeadLetterStore deadLetters)
    {
        final Waker waker = new Waker();
        this.channel = channel;
        this.eventLoop = channel.eventLoop();
        this.memory = config.strategy().hasMemoryTier() ? new MemoryTier(config.memoryBytes()) : null;
        this.disk = diskFactory == null ? null : diskFactory.apply(waker);
        this.drops = config.onFull().isThrottle() ? null :
            new DropStage(config.onFull().newPolicy(), memory, streamName, deadLetters);
        this.tier = memory == null ? LaneTier.DIRECT :
            (disk != null && !disk.isEmpty() ? LaneTier.DISK : LaneTier.MEMORY);
        this.streamName = streamName;
        this.subscription = subscription;
        this.strategy = config.label();
        this.maxBytes = config.laneBytes();
        this.runs = new ManyToOneConcurrentArrayQueue<>(config.laneRuns());
        this.resumeRuns = config.laneRuns() / 2;
        // Every field is set: only now may the spill thread reach the lane (the volatile write publishes them), and
        // a wake it tried before is made up for by this drain.
        waker.lane = this;
        if (disk != null)
        {
            scheduleDrain();
        }
    }

    /**
     * What a disk tier wakes when restored frames or an opened tier are ready. It is made before the lane (the lane's
     * constructor makes the disk tier, whose spill thread may call at once) and reaches the lane only once the lane
     * is built.
     */
    static final class Waker
    {
        private volatile Lane lane;

        /** Any thread. */
        void wake()
        {
            final Lane built = lane;
            if (built != null)
            {
                built.wake();
            }
        }
    }

    String subscription()
    {
        return subscription;
    }

    Channel channel()
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
    int offer(final ByteBuf run, final int messages)
    {
        if (closed)
        {
            run.release();
            return OFFER_CLOSED;
        }
        final int bytes = run.readableBytes();
        if (refusing.get())
        {
            return OFFER_FULL;
        }
        if (queuedBytes.get() >= maxBytes || !runs.offer(run))
        {
            if (refusing.compareAndSet(false, true))
            {
                // The drain clears the flag: make sure one comes after it was set, even if the lane emptied meanwhile.
                scheduleDrain();
            }
            return OFFER_FULL;
        }
        final long queued = queuedBytes.addAndGet(bytes);
        messagesAccepted.add(messages);
        bytesAccepted.add(bytes);
        recordPeak(queued + outboundBytes());
        if (closed)
        {
            // Lost a race with close(): make sure whatever is queued gets released.
            scheduleDrain();
            return OFFER_ACCEPTED;
        }
        scheduleDrain();
        return OFFER_ACCEPTED;
    }

    /**
     * Any thread. Registers a task to run (on the caller's own executor, which the task handles) when the lane
     * has room again. The caller retries its offer after registering.
     */
    void awaitRoom(final Runnable waiter)
    {
        waiters.add(waiter);
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
    void drain()
    {
        drainScheduled.set(false);
        if (closed)
        {
            releaseQueued();
            wakeWaiters();
            return;
        }
        if (handedOver)
        {
            drainToDiskAfterHandOver();
            return;
        }
        if (memory != null)
        {
            drainThroughTiers();
            return;
        }
        boolean wrote = false;
        long messages = 0;
        long bytesOut = 0;
        ByteBuf run;
        while (channel.isWritable() && (run = runs.poll()) != null)
        {
            final int bytes = run.readableBytes();
            queuedBytes.addAndGet(-bytes);
            bytesOut += bytes;
            messages += Frames.count(view.wrap(run), run.readerIndex(), run.writerIndex());
            channel.write(run, channel.voidPromise());
            wrote = true;
        }
        if (wrote)
        {
            messagesWritten += messages;
            bytesWritten += bytesOut;
        }
        if (wrote)
        {
            channel.flush();
            recordPeak(queuedBytes.get() + outboundBytes());
            if (channel.isWritable() && !runs.isEmpty())
            {
                // The flush made room for what still waits.
                scheduleDrain();
            }
        }
        wakeWaitersBelowResumeMark();
    }

    // Buffer and spill: move runs from the hand-off into the tiers (memory, then disk), and from the tiers to the
    // channel while it is writable, until neither makes progress. A run the tiers cannot take stays at the head
    // of the hand-off: that is the throttle on-full policy, since producers are refused once the hand-off fills.
    private void drainThroughTiers()
    {
        long written = 0;
        long messages = 0;
        boolean progress = true;
        boolean stuck = false;
        if (drops != null)
        {
            drops.beginDrain();
        }
        for (int pass = 0; progress && pass < 64; pass++)
        {
            progress = intake();
            while (channel.isWritable())
            {
                ByteBuf chunk = null;
                if (!memory.isEmpty())
                {
                    final long before = memory.delivered();
                    final long from = memory.consumerPosition();
                    chunk = memory.drainChunk(channel.alloc(), drops);
                    messages += memory.delivered() - before;
                    if (chunk == null)
                    {
                        // Everything read was expired or replaced: nothing to write, but the tier moved on. (A tier
                        // that did not move is a fault: the lane must not reschedule itself for it forever.)
                        stuck = memory.consumerPosition() == from;
                        if (stuck)
                        {
                            break;
                        }
                        progress = true;
                        continue;
                    }
                }
                else if (disk != null)
                {
                    chunk = disk.pollRestored();
                    if (chunk != null && drops != null)
                    {
                        final long before = restoredMessages;
                        written += writeRestored(chunk);
                        messages += restoredMessages - before;
                        progress = true;
                        continue;
                    }
                    if (chunk != null)
                    {
                        messages += Frames.count(chunk, FrameType.DATA);
                    }
                }
                if (chunk == null)
                {
                    break;
                }
                written += chunk.readableBytes();
                channel.write(chunk, channel.voidPromise());
                progress = true;
            }
            final boolean tiersEmpty = memory.isEmpty() && (disk == null || disk.isEmpty());
            if (disk != null && tier == LaneTier.DISK && tiersEmpty)
            {
                tier = LaneTier.MEMORY;
                logTierSwitch(LaneTier.MEMORY);
                // Runs the disk tier refused (full, or failed) may go to memory now: another pass.
                progress = true;
            }
            if (drops != null && tiersEmpty)
            {
                // Everything accepted so far is out: report the drops not yet reported.
                written += writeGaps(drops.gaps().takeAll(channel.alloc()));
            }
        }
        if (written > 0)
        {
            messagesWritten += messages;
            bytesWritten += written;
            channel.flush();
            recordPeak(queuedBytes.get() + outboundBytes());
        }
        wakeWaitersBelowResumeMark();
        if (progress || (channel.isWritable() && !memory.isEmpty() && !stuck))
        {
            // More to do than one pass allows, or the flush made room for what waits: come back after other tasks
            // had their turn.
            scheduleDrain();
        }
    }

    private long restoredMessages;

    // A chunk restored from disk, under a drop policy: the frames past their deadline are dropped, and the drops
    // before each run of frames kept are announced just before it, so that each source's sequences stay in order.
    // Written, not flushed; returns the bytes.
    private int writeRestored(final ByteBuf chunk)
    {
        int written = 0;
        final int end = chunk.writerIndex();
        int index = chunk.readerIndex();
        while (index < end)
        {
            final int from = drops.dropExpired(chunk, index, end);
            written += writeGaps(drops.gaps().takeHead(channel.alloc()));
            if (from == end)
            {
                break;
            }
            index = drops.keptUntil(chunk, from, end);
            final ByteBuf kept = from == chunk.readerIndex() && index == end ? chunk.retain() :
                chunk.retainedSlice(from, index - from);
            restoredMessages += Frames.count(kept, FrameType.DATA);
            written += kept.readableBytes();
            channel.write(kept, channel.voidPromise());
        }
        chunk.release();
        return written;
    }

    // GAP frames from the drop stage, or null: written (not flushed) to the subscriber; returns the bytes.
    private int writeGaps(final ByteBuf gaps)
    {
        if (gaps == null)
        {
            return 0;
        }
        final int bytes = gaps.readableBytes();
        channel.write(gaps, channel.voidPromise());
        return bytes;
    }

    private boolean intake()
    {
        boolean moved = false;
        ByteBuf run;
        while ((run = runs.peek()) != null)
        {
            final int start = run.readerIndex();
            final int end = run.writerIndex();
            final int reached = drops == null ? store(run, start, end) : storeOrDrop(run, start, end);
            if (reached > start)
            {
                moved = true;
                queuedBytes.addAndGet(-(reached - start));
            }
            if (reached < end)
            {
                run.readerIndex(reached);
                break;
            }
            runs.poll();
            run.release();
        }
        return moved;
    }

    // Memory, then disk; what neither takes waits in the hand-off, which throttles the producers.
    private int store(final ByteBuf run, final int start, final int end)
    {
        int reached = start;
        if (tier == LaneTier.MEMORY)
        {
            reached = memory.offerFrames(run, start, end);
            switchToDiskIfFull(run, reached, end);
        }
        if (tier == LaneTier.DISK && reached < end)
        {
            reached = disk.offer(run, reached, end, Frames.count(run, reached, end));
        }
        return reached;
    }

    // Memory, then disk, then the drop policy, frame by frame once the tiers are full.
    private int storeOrDrop(final ByteBuf run, final int start, final int end)
    {
        int reached = start;
        while (reached < end)
        {
            if (tier == LaneTier.MEMORY)
            {
                reached = drops.admitToMemory(run, reached, end);
                switchToDiskIfFull(run, reached, end);
            }
            if (tier == LaneTier.DISK && reached < end)
            {
                reached = drops.offerToDisk(run, reached, end, disk, channel.alloc());
            }
            if (reached < end && disk != null && !disk.isFull())
            {
                // The disk tier is opening or its spill thread is catching up: wait for it rather than drop.
                break;
            }
            if (reached < end)
            {
                final int next = drops.onNoRoom(run, reached, tier == LaneTier.MEMORY);
                if (next == DropStage.HOLD)
                {
                    break;
                }
                reached = next;
            }
        }
        return reached;
    }

    private void switchToDiskIfFull(final ByteBuf run, final int reached, final int end)
    {
        if (reached < end && disk != null && disk.hasRoom())
        {
            tier = LaneTier.DISK;
            diskBacklogSinceNanos = run.getLong(reached + FrameDescriptor.TIMESTAMP_OFFSET);
            logTierSwitch(LaneTier.DISK);
        }
    }

    private long lastTierLogNanos;
    private long suppressedTierLogs;

    // INFO, at most one line a second per lane: a lane flapping between tiers must not flood the log.
    private void logTierSwitch(final LaneTier to)
    {
        final long now = System.nanoTime();
        if (now - lastTierLogNanos >= 1_000_000_000L)
        {
            LOG.info("lane of {} on stream '{}' now takes new messages into {} ({} earlier switches not logged)",
                channel.remoteAddress(), streamName, to.label(), suppressedTierLogs);
            lastTierLogNanos = now;
            suppressedTierLogs = 0;
        }
        else
        {
            suppressedTierLogs++;
        }
    }

    // Drain-then-wake: the flag is cleared before the waiters retry, and a producer that registered after this
    // check finds the flag clear on its own retry.
    private void wakeWaitersBelowResumeMark()
    {
        if (queuedBytes.get() <= maxBytes / 2 && runs.size() <= resumeRuns)
        {
            refusing.set(false);
            wakeWaiters();
        }
    }

    private void wakeWaiters()
    {
        Runnable waiter;
        while ((waiter = waiters.poll()) != null)
        {
            waiter.run();
        }
    }

    /**
     * Lane's event loop: the subscriber's connection is gone. Releases what is queued and lets producers go on.
     */
    void close()
    {
        if (closed)
        {
            // Already handed over at shutdown (handOverForShutdown); the disk tier is closed once only.
            return;
        }
        closed = true;
        final DiskTier chronicle = disk;
        if (chronicle != null && chronicle.isDurable())
        {
            // Keep everything accepted: the memory tier (older than anything on disk) goes to a head store, the
            // hand-off (newer) to the main store, all of it (the disk tier takes it without bound: the lane's
            // configuration bounds it). Only what sits in the channel's outbound buffer is lost.
            handMemoryOverHead(chronicle);
            ByteBuf run;
            while ((run = runs.poll()) != null)
            {
                queuedBytes.addAndGet(-run.readableBytes());
                chronicle.handOverTail(run);
            }
        }
        releaseQueued();
        if (disk != null)
        {
            disk.close();
        }
        wakeWaiters();
    }

    /**
     * Lane's event loop, when the relay stops gracefully: a durable lane keeps on disk everything it has not put on
     * the wire, and writes nothing more to its channel. Oldest first: the frames in the channel's outbound buffer the
     * kernel has not started on and the memory tier go to the head store; restored chunks not yet sent follow them
     * when the disk tier closes; the hand-off, and any run publishers still deliver, go to the main store behind
     * everything on disk (see {@link #drainToDiskAfterHandOver()}). The rest of a frame the kernel took part of is
     * still written, so the subscriber receives whole frames up to the end of the stream. The connection stays open
     * so the subscriber can read what the kernel holds for it; {@link #close()} closes the disk tier once it is gone.
     *
     * @return whether the lane handed over; false without a durable disk tier, or when already closed.
     */
    boolean handOverForShutdown()
    {
        if (closed || handedOver || disk == null || !disk.isDurable())
        {
            return false;
        }
        final UnsentFrames unsent = UnsentFrames.collect(channel);
        for (final ByteBuf frames : unsent.frames())
        {
            disk.handOverHead(frames);
        }
        // They were counted as written when they went into the channel; they will be sent next time instead.
        messagesWritten -= unsent.messages();
        final long inMemory = memory.frames();
        handMemoryOverHead(disk);
        LOG.info("lane of {} on stream '{}' stopping: {} messages from the outbound buffer{} and {} from memory go to " +
            "disk, {} messages are on the wire", channel.remoteAddress(), streamName, unsent.messages(),
            unsent.finishesAPartFrame() ? " (the rest of a partly sent one still goes out)" : "", inMemory,
            messagesWritten);
        // Set before the outbound buffer empties: that makes the channel writable, and the drain it triggers must
        // not write.
        handedOver = true;
        unsent.clearAndFinish(channel);
        drainToDiskAfterHandOver();
        return true;
    }

    // The memory tier's frames to the disk tier's head store, in chunks of 64 KiB (or one larger frame alone) that
    // hold no more than their frames: the hand-over holds no more than the tier did.
    private void handMemoryOverHead(final DiskTier to)
    {
        ByteBuf chunk;
        while ((chunk = memory.handOverChunk(channel.alloc())) != null)
        {
            to.handOverHead(chunk);
        }
    }

    /** @return whether {@link #handOverForShutdown()} handed the lane over. */
    boolean isHandedOver()
    {
        return handedOver;
    }

    // After the hand-over: runs go from the hand-off to disk (the spill thread wakes the lane when its hand-over has
    // room again), so a run a publisher still delivers is kept and its ACK is honest.
    private void drainToDiskAfterHandOver()
    {
        ByteBuf run;
        while ((run = runs.peek()) != null)
        {
            final int start = run.readerIndex();
            final int end = run.writerIndex();
            if (disk.offer(run, start, end, Frames.count(run, start, end)) == start)
            {
                break;
            }
            queuedBytes.addAndGet(-(end - start));
            runs.poll();
            run.release();
        }
        wakeWaitersBelowResumeMark();
    }

    /** Lane's event loop: let the lane know restored frames or an opened disk tier are ready. */
    void wake()
    {
        scheduleDrain();
    }

    private void releaseQueued()
    {
        ByteBuf run;
        while ((run = runs.poll()) != null)
        {
            queuedBytes.addAndGet(-run.readableBytes());
            run.release();
        }
    }

    /** @return bytes in the channel's outbound buffer; any thread. */
    long outboundBytes()
    {
        return OutboundBytes.pending(channel);
    }

    private void recordPeak(final long bytes)
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

    /** @return bytes queued in the lane and not yet handed to the channel. */
    long queuedBytes()
    {
        return queuedBytes.get();
    }

    /** @return the most bytes (queued plus the channel's outbound buffer) the lane has been seen holding. */
    long peakBytes()
    {
        return peakBytes.get();
    }

    /** @return messages the lane accepted. */
    long messagesAccepted()
    {
        return messagesAccepted.sum();
    }

    /** @return how long the lane has held producers paused; any thread. */
    HoldClock holds()
    {
        return holds;
    }

    /** @return the lane's event loop, where {@link #measureDepths()} runs. */
    EventLoop eventLoop()
    {
        return eventLoop;
    }

    /**
     * Lane's event loop: measures what waits in each tier and the oldest waiting frame's timestamp, for
     * {@link #snapshot()}. Reads one frame header; allocates the result only.
     */
    void measureDepths()
    {
        final long dropped = drops == null ? 0 : drops.dropped();
        final long waiting = Math.max(0, messagesAccepted.sum() - messagesWritten - dropped);
        final long inMemory = memory == null ? 0 : memory.frames();
        final long onDisk = disk == null ? 0 : Math.max(0, disk.spilled() - disk.restored());
        long oldest = 0;
        boolean exact = true;
        if (memory != null && !memory.isEmpty())
        {
            oldest = memory.oldestTimestampNanos();
        }
        if (oldest == 0 && disk != null && !disk.isEmpty())
        {
            // The frames on disk are not read here: the first frame of the backlog is the oldest it can hold.
            oldest = diskBacklogSinceNanos;
            exact = false;
        }
        final ByteBuf head = oldest == 0 && exact ? runs.peek() : null;
        if (head != null && head.isReadable())
        {
            oldest = head.getLong(head.readerIndex() + FrameDescriptor.TIMESTAMP_OFFSET);
        }
        depths = new LaneDepths(System.nanoTime(), waiting, queuedBytes.get(),
            Math.max(0, waiting - inMemory - onDisk), inMemory, memory == null ? 0 : memory.usedBytes(), onDisk,
            disk == null ? 0 : disk.diskBytes(), outboundBytes(), oldest, exact);
    }

    /** @return a snapshot of the lane's counters; safe from any thread. */
    LaneSnapshot snapshot()
    {
        // Read out before in and dropped before out, so a message moving along is never counted twice.
        final long dropped = drops == null ? 0 : drops.dropped();
        final long out = messagesWritten;
        final long in = messagesAccepted.sum();
        final MemoryTier m = memory;
        final DiskTier d = disk;
        return new LaneSnapshot(streamName, String.valueOf(channel.remoteAddress()), subscription, strategy, tier.label(),
            in, out, bytesWritten, Math.max(0, in - out - dropped), queuedBytes.get(), m == null ? 0 : m.usedBytes(),
            d == null ? 0 : d.diskBytes(), d == null ? 0 : d.spilled(), d == null ? 0 : d.restored(),
            dropped == 0 ? java.util.Map.of() : java.util.Map.of(DropReason.name(drops.reason()), dropped),
            peakBytes.get(), bytesAccepted.sum(), holds.holding(), holds.heldNanos(System.nanoTime()), closed, depths);
    }

    boolean isClosed()
    {
        return closed;
    }
}
