package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.sluice.core.netty.OutboundBytes;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.server.drop.DropReason;
import io.sluice.server.drop.stage.DropStage;
import io.sluice.server.tier.disk.DiskTier;
import io.sluice.server.tier.memory.MemoryTier;

import java.util.Map;

/**
 * What the lanes view (metrics) reads of one lane: its counters as a {@link LaneSnapshot}, from any thread, and what
 * waits in each tier ({@link LaneDepths}), measured on the lane's event loop when asked; and whether its
 * {@link StuckGuard} finds the subscriber stuck. The lane's own path never calls it: it reads what the lane's parts
 * count as they go.
 */
final class LaneGauges
{
    private final Channel channel;
    private final String streamName;
    private final String subscription;
    private final String strategy;
    private final LaneHandOff handOff;
    private final WrittenCounters written;
    private final HoldClock holds;
    private final MemoryTier memory;
    private final DiskTier disk;
    private final DropStage drops;
    private final TieredDrain tiered;
    private final AckWindow acks;
    private volatile LaneDepths depths;
    // Set by the lane's StuckGuard: frames waited and the subscriber took none of them for stuck-after.
    private volatile boolean stuck;

    /**
     * @param strategy the lane's strategy, as named in config.
     * @param holds how long the lane has held producers paused.
     * @param memory the memory tier, or null.
     * @param disk the disk tier, or null.
     * @param drops the drop stage, or null when on-full is throttle.
     * @param tiered the drain through the tiers, or null without tiers.
     * @param acks the subscriber's acknowledgement window, or null.
     */
    LaneGauges(final Channel channel, final String streamName, final String subscription, final String strategy,
        final LaneHandOff handOff, final WrittenCounters written, final HoldClock holds, final MemoryTier memory,
        final DiskTier disk, final DropStage drops, final TieredDrain tiered, final AckWindow acks)
    {
        this.channel = channel;
        this.streamName = streamName;
        this.subscription = subscription;
        this.strategy = strategy;
        this.handOff = handOff;
        this.written = written;
        this.holds = holds;
        this.memory = memory;
        this.disk = disk;
        this.drops = drops;
        this.tiered = tiered;
        this.acks = acks;
    }

    /** @return messages accepted and neither written nor dropped; any thread. */
    long waitingMessages()
    {
        final long dropped = drops == null ? 0 : drops.dropped();
        return Math.max(0, handOff.messagesAccepted() - written.messages() - dropped);
    }

    /** Lane's event loop, from its {@link StuckGuard}. */
    void markStuck(final boolean stuck)
    {
        this.stuck = stuck;
    }

    /**
     * Lane's event loop: measures what waits in each tier and the oldest waiting frame's timestamp, for
     * {@link #snapshot}. Reads one frame header; allocates the result only.
     */
    void measureDepths()
    {
        final long waiting = waitingMessages();
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
            oldest = tiered.diskBacklogSinceNanos();
            exact = false;
        }
        final ByteBuf head = oldest == 0 && exact ? handOff.peek() : null;
        if (head != null && head.isReadable())
        {
            oldest = head.getLong(head.readerIndex() + FrameDescriptor.TIMESTAMP_OFFSET);
        }
        depths = new LaneDepths(System.nanoTime(), waiting, handOff.queuedBytes(),
            Math.max(0, waiting - inMemory - onDisk), inMemory, memory == null ? 0 : memory.usedBytes(), onDisk,
            disk == null ? 0 : disk.diskBytes(), OutboundBytes.pending(channel), oldest, exact);
    }

    /**
     * @param closed whether the lane is closed.
     * @return a snapshot of the lane's counters; safe from any thread.
     */
    LaneSnapshot snapshot(final boolean closed)
    {
        // Read out before in and dropped before out, so a message moving along is never counted twice.
        final long dropped = drops == null ? 0 : drops.dropped();
        final long out = written.messages();
        final long in = handOff.messagesAccepted();
        final MemoryTier m = memory;
        final DiskTier d = disk;
        return new LaneSnapshot(streamName, String.valueOf(channel.remoteAddress()), subscription, strategy,
            tiered == null ? LaneTier.DIRECT : tiered.tier(), in, out, written.bytes(),
            Math.max(0, in - out - dropped), handOff.queuedBytes(), m == null ? 0 : m.usedBytes(),
            d == null ? 0 : d.diskBytes(), d == null ? 0 : d.spilled(), d == null ? 0 : d.restored(),
            dropped == 0 ? Map.of() : Map.of(DropReason.name(drops.reason()), dropped),
            handOff.peakBytes(), handOff.bytesAccepted(), holds.holding(), holds.heldNanos(System.nanoTime()), closed,
            depths, stuck, acks == null ? null : acks.snapshot());
    }
}
