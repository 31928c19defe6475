package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.sluice.core.netty.OutboundBytes;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.server.drop.stage.DropStage;
import io.sluice.server.tier.disk.DiskTier;
import io.sluice.server.tier.memory.MemoryTier;

/**
 * A lane's drain under the buffer and spill strategies: moves runs from the hand-off into the tiers (memory, then
 * disk, then the drop policy when both are full) and from the tiers to the subscriber's channel while it is
 * writable, until neither makes progress or a drain's share of the event loop is used up.
 * <p>
 * A run the tiers cannot take stays at the head of the hand-off: that is how on-full throttle holds the producers,
 * since they are refused once the hand-off fills. Once the lane spills, new frames go to disk until the disk backlog
 * is empty, so order is kept across every switch between tiers.
 * <p>
 * Lane's event loop only.
 */
final class TieredDrain
{
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TieredDrain.class);
    // Passes of intake and output in one drain before it yields the event loop to other tasks.
    private static final int MAX_PASSES = 64;

    private final Channel channel;
    private final String streamName;
    private final LaneHandOff handOff;
    private final WrittenCounters written;
    private final MemoryTier memory;
    /** Null without a disk tier. */
    private final DiskTier disk;
    /** Null when on-full is throttle. */
    private final DropStage drops;
    /** Null unless the subscriber acknowledges. */
    private final AckWindow acks;
    // Every frame goes through the disk tier while it works (DiskTier#isJournaled).
    private final boolean journaled;
    private volatile LaneTier tier;
    // The timestamp of the first frame of the disk backlog, taken when the lane switched to disk.
    private long diskBacklogSinceNanos;
    private long restoredMessages;
    private long lastTierLogNanos;
    private long suppressedTierLogs;

    TieredDrain(final Channel channel, final String streamName, final LaneHandOff handOff,
        final WrittenCounters written, final MemoryTier memory, final DiskTier disk, final DropStage drops,
        final AckWindow acks)
    {
        this.acks = acks;
        this.channel = channel;
        this.streamName = streamName;
        this.handOff = handOff;
        this.written = written;
        this.memory = memory;
        this.disk = disk;
        this.drops = drops;
        this.journaled = disk != null && disk.isJournaled();
        // Only a durable subscription can find a backlog on disk; until its tier has opened, new runs queue behind it.
        this.tier = journaled || disk != null && disk.isDurable() && !disk.isEmpty() ? LaneTier.DISK : LaneTier.MEMORY;
    }

    /** @return where new frames go now; any thread. */
    LaneTier tier()
    {
        return tier;
    }

    /** @return the timestamp of the first frame of the disk backlog, as of the last switch to disk. */
    long diskBacklogSinceNanos()
    {
        return diskBacklogSinceNanos;
    }

    /**
     * Writes (and flushes once) what the tiers hold while the channel is writable, taking runs into the tiers.
     *
     * @return whether to come back: more to do than one drain allows, or the flush made room for what waits.
     */
    boolean drain()
    {
        long bytes = 0;
        long messages = 0;
        boolean progress = true;
        boolean stuck = false;
        if (drops != null)
        {
            drops.beginDrain();
        }
        for (int pass = 0; progress && pass < MAX_PASSES; pass++)
        {
            progress = intake();
            while (canSend())
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
                        bytes += writeRestored(chunk);
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
                bytes += chunk.readableBytes();
                channel.write(chunk, channel.voidPromise());
                progress = true;
            }
            final boolean tiersEmpty = memory.isEmpty() && (disk == null || disk.isEmpty());
            if (disk != null && tier == LaneTier.DISK && tiersEmpty && (!journaled || disk.hasFailed()))
            {
                tier = LaneTier.MEMORY;
                logTierSwitch(LaneTier.MEMORY);
                // Runs the disk tier refused (full, or failed) may go to memory now: another pass.
                progress = true;
            }
            if (drops != null && tiersEmpty)
            {
                // Everything accepted so far is out: report the drops not yet reported.
                bytes += writeGaps(drops.gaps().takeAll(channel.alloc()));
            }
        }
        if (bytes > 0)
        {
            written.add(messages, bytes);
            channel.flush();
            handOff.recordPeak(handOff.queuedBytes() + OutboundBytes.pending(channel));
        }
        handOff.wakeWaitersBelowResumeMark();
        return progress || (canSend() && !memory.isEmpty() && !stuck);
    }

    // The channel takes more, and less than the acknowledgement window is unacknowledged.
    private boolean canSend()
    {
        return channel.isWritable() && (acks == null || acks.isOpen());
    }

    // A chunk restored from disk, under a drop policy: the frames past their deadline are dropped, and the drops
    // before each run of frames kept are announced just before it, so that each source's sequences stay in order.
    // Written, not flushed; returns the bytes.
    private int writeRestored(final ByteBuf chunk)
    {
        int bytes = 0;
        final int end = chunk.writerIndex();
        int index = chunk.readerIndex();
        while (index < end)
        {
            final int from = drops.dropExpired(chunk, index, end);
            bytes += writeGaps(drops.gaps().takeHead(channel.alloc()));
            if (from == end)
            {
                break;
            }
            index = drops.keptUntil(chunk, from, end);
            final ByteBuf kept = from == chunk.readerIndex() && index == end ? chunk.retain() :
                chunk.retainedSlice(from, index - from);
            restoredMessages += Frames.count(kept, FrameType.DATA);
            bytes += kept.readableBytes();
            channel.write(kept, channel.voidPromise());
        }
        chunk.release();
        return bytes;
    }

    // GAP frames, or null: written (not flushed) to the subscriber; returns the bytes.
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
        while ((run = handOff.peek()) != null)
        {
            final int start = run.readerIndex();
            final int end = run.writerIndex();
            final int reached = drops == null ? store(run, start, end) : storeOrDrop(run, start, end);
            moved |= reached > start;
            handOff.advance(run, reached);
            if (reached < end)
            {
                break;
            }
        }
        return moved;
    }

    // Memory, then disk; what neither takes waits in the hand-off, which throttles the producers. The run is the
    // hand-off's head, whose frame count the hand-off knows while nothing of it has been taken.
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
            final int frames = reached == start ? handOff.headFrames() : Frames.count(run, reached, end);
            reached = disk.offer(run, reached, end, frames);
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
}
