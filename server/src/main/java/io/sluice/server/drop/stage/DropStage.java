package io.sluice.server.drop.stage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.netty.ByteBufView;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Header;
import io.sluice.core.util.EpochClock;
import io.sluice.server.drop.DropPolicy;
import io.sluice.server.drop.DropReason;
import io.sluice.server.tier.disk.DiskTier;
import io.sluice.server.tier.memory.MemoryTier;
import io.sluice.server.tier.memory.TierGate;
import io.sluice.spill.deadletter.DeadLetterStore;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;

/**
 * A lane's drop policy at work: admits arriving frames into the memory tier (sampling, conflating), decides for a
 * frame that finds no room, drops expired frames on the way out, and keeps every drop accounted for and reported.
 * <p>
 * Reporting: each drop is handed to the lane's {@link GapReporter} as a head drop (evicted oldest, expired on
 * delivery) or a tail drop (the arriving message dropped), and leaves as a GAP frame. A waiting message replaced by
 * its key's newer message becomes a tombstone where it lies (the newer one joins at the tail, so it never overtakes
 * older messages of its source); its drop is reported like a head drop when the output passes the tombstone. When
 * the tier is full of tombstones it is compacted, each run of tombstones becoming GAP frames in its place. So every
 * dropped message reaches the subscriber in a GAP frame's count, and {@code accepted = delivered + dropped + waiting}
 * holds at every moment for the lane.
 * <p>
 * Lane's event loop only. Allocates nothing per message: views are reused, gap tables merge drops, and the key
 * index is an open-addressing map of primitives that grows only with the number of distinct keys waiting.
 */
public final class DropStage implements TierGate
{
    private static final long NO_POSITION = -1;

    private final DropPolicy policy;
    private final int reason;
    private final boolean conflates;
    private final boolean samples;
    private final boolean checksOnDelivery;
    private final MemoryTier memory;
    private final String streamName;
    private final DeadLetterStore deadLetters;
    private final GapReporter gaps = new GapReporter();
    private final Long2LongHashMap keyPositions;
    private final Header header = new Header();
    private final Header moved = new Header();
    private final ByteBufView incoming = new ByteBufView();
    private int sweepAt = 1024;
    private long compactAt;
    private long nowNanos;
    private volatile long dropped;

    /**
     * @param deadLetters where dropped frames are copied, or null.
     */
    public DropStage(final DropPolicy policy, final MemoryTier memory, final String streamName,
        final DeadLetterStore deadLetters)
    {
        this.streamName = streamName;
        this.deadLetters = deadLetters;
        this.policy = policy;
        final int code = policy.reason();
        this.reason = code > 0 && code <= DropReason.MAX ? code : DropReason.CUSTOM;
        this.conflates = policy.conflatesByKey();
        this.samples = policy.samplesUnderPressure();
        this.checksOnDelivery = policy.checksOnDelivery();
        this.memory = memory;
        this.keyPositions = conflates ? new Long2LongHashMap(NO_POSITION) : null;
        this.compactAt = memory.capacity() / 8;
    }

    /** @return messages dropped so far; any thread. */
    public long dropped()
    {
        return dropped;
    }

    /** @return the reason drops are counted under. */
    public int reason()
    {
        return reason;
    }

    /** @return the lane's drops not yet reported. */
    public GapReporter gaps()
    {
        return gaps;
    }

    /** Reads the clock once for a drain, so that expiry costs no clock read per message. */
    public void beginDrain()
    {
        if (checksOnDelivery)
        {
            nowNanos = EpochClock.nanos();
        }
    }

    /**
     * Stores frames of {@code run[from, to)} in the memory tier while they fit, sampling and conflating as the
     * policy says. Pending tail drops are stored first.
     *
     * @return the index of the first frame neither stored nor dropped: {@code to} when all were.
     */
    public int admitToMemory(final ByteBuf run, final int from, final int to)
    {
        int index = from;
        while (index < to)
        {
            if (gaps.hasTail() && !gaps.storeTail(memory))
            {
                return index;
            }
            if (!samples && !conflates)
            {
                return memory.offerFrames(run, index, to);
            }
            final int length = Frames.frameLength(run, index);
            final Header message = view(run, index);
            if (samples && memory.isOverHalfFull() && !policy.admit(message))
            {
                dropArriving(message, run, index, length);
                index += length;
                continue;
            }
            if (!memory.fits(length) && !(conflates && compact() && memory.fits(length)))
            {
                // No room: the policy decides. Under conflation a waiting message of the same key stays.
                return index;
            }
            if (conflates && message.isKeyed() && length <= memory.maxRecord())
            {
                final long key = message.key();
                final long position = keyPositions.get(key);
                if (position != NO_POSITION && memory.isWaiting(position, key))
                {
                    memory.replace(position, this);
                }
                keyPositions.put(key, store(run, index, length));
                if (keyPositions.size() > sweepAt)
                {
                    sweepKeyPositions();
                }
            }
            else
            {
                store(run, index, length);
            }
            index += length;
        }
        return index;
    }

    private long store(final ByteBuf run, final int index, final int length)
    {
        final long position = memory.offerOne(run, index, length);
        if (position < 0)
        {
            throw new IllegalStateException("memory tier refused a frame of " + length + " bytes it had room for");
        }
        return position;
    }

    // Conflation leaves tombstones; once the tier is full and enough were left since the last compaction (an eighth
    // of the tier, so compacting costs a bounded amount per replaced byte), squeeze them out.
    private boolean compact()
    {
        if (memory.junkBytes() < compactAt)
        {
            return false;
        }
        keyPositions.clear();
        memory.compact(reason, this);
        compactAt = memory.junkBytes() + memory.capacity() / 8;
        return true;
    }

    /**
     * Hands {@code run[from, to)} to the disk tier, pending tail drops first.
     *
     * @return {@code to} when taken, {@code from} when refused.
     */
    public int offerToDisk(
        final ByteBuf run, final int from, final int to, final DiskTier disk, final ByteBufAllocator alloc)
    {
        if (gaps.hasTail() && !gaps.storeTail(disk, alloc))
        {
            return from;
        }
        return disk.offer(run, from, to, Frames.count(run, from, to));
    }

    /**
     * Result of {@link #onNoRoom} when the policy keeps the frame ({@link DropPolicy.Action#THROTTLE}): it stays at
     * the head of the lane's hand-off, which holds the producers until the tiers have room.
     */
    public static final int HOLD = -1;

    /**
     * The frame at {@code index} found no room in either tier: the policy decides.
     *
     * @param memoryTier whether the lane takes new frames into memory (so the oldest can be evicted for them).
     * @return the index to go on from: past the frame when it was dropped, {@code index} when room was made by
     * evicting, or {@link #HOLD}.
     */
    public int onNoRoom(final ByteBuf run, final int index, final boolean memoryTier)
    {
        final int length = Frames.frameLength(run, index);
        final Header message = view(run, index);
        switch (policy.onNoRoom(message))
        {
            case THROTTLE:
                return HOLD;
            case DROP_OLDEST:
                if (memoryTier && memory.evictOldest(this) > 0)
                {
                    return index;
                }
                dropArriving(view(run, index), run, index, length);
                return index + length;
            case DROP_NEWEST:
            default:
                dropArriving(message, run, index, length);
                return index + length;
        }
    }

    /**
     * Frames restored from disk, from {@code from}: drops the DATA frames past their deadline (reported in the head
     * gaps) up to the first one kept.
     *
     * @return the index of the first frame kept, or {@code end}.
     */
    public int dropExpired(final ByteBuf frames, final int from, final int end)
    {
        int index = from;
        while (checksOnDelivery && index < end && Frames.type(frames, index) == FrameType.DATA
            && expired(view(frames, index)))
        {
            final int length = Frames.frameLength(frames, index);
            deadLetter(frames, index, length);
            index += length;
        }
        return index;
    }

    /**
     * Frames restored from disk, from {@code from} (a frame kept): the run of frames kept that starts there. The
     * frames after it are dropped by the next {@link #dropExpired}, and reported between this run and the next, so
     * that a subscriber sees each source's sequences in order.
     *
     * @return the index of the first frame past its deadline (not dropped yet), or {@code end}.
     */
    public int keptUntil(final ByteBuf frames, final int from, final int end)
    {
        if (!checksOnDelivery)
        {
            return end;
        }
        int index = from;
        while (index < end
            && !(Frames.type(frames, index) == FrameType.DATA && policy.expired(view(frames, index), nowNanos)))
        {
            index += Frames.frameLength(frames, index);
        }
        return index;
    }

    /** @return every drop not yet reported, as GAP frames (see {@link GapReporter#takeAll}); null when none. */
    public ByteBuf takeAllGaps(final ByteBufAllocator alloc)
    {
        return gaps.takeAll(alloc);
    }

    // TierGate: called from inside the memory tier's reads.

    @Override
    public boolean expired(final DirectBuffer buffer, final int index)
    {
        if (checksOnDelivery && expired(header.wrap(buffer, index)))
        {
            deadLetterFromRing(index);
            return true;
        }
        return false;
    }

    @Override
    public int pendingGapBytes()
    {
        return gaps.headBytes();
    }

    @Override
    public void writeGaps(final ByteBuf out)
    {
        gaps.writeHead(out);
    }

    @Override
    public void onEvicted(final DirectBuffer buffer, final int index)
    {
        gaps.droppedAtHead(header.wrap(buffer, index), reason);
        dropped++;
        deadLetterFromRing(index);
    }

    @Override
    public void onGapEvicted(final DirectBuffer buffer, final int index)
    {
        gaps.gapDroppedAtHead(header.wrap(buffer, index));
    }

    @Override
    public void onReplaced(final DirectBuffer buffer, final int index)
    {
        // Announced where it lies, when the output passes its tombstone (onTombstonePassed).
        dropped++;
        deadLetterFromRing(index);
    }

    @Override
    public void onTombstonePassed(final DirectBuffer buffer, final int index)
    {
        gaps.droppedAtHead(header.wrap(buffer, index), reason);
    }

    @Override
    public void onMoved(final DirectBuffer buffer, final int index, final long position)
    {
        // Its own view: compaction runs while the arriving message is viewed through the other.
        moved.wrap(buffer, index);
        if (conflates && moved.isKeyed() && moved.frameLength() <= memory.maxRecord())
        {
            keyPositions.put(moved.key(), position);
        }
    }

    private boolean expired(final Header message)
    {
        if (!policy.expired(message, nowNanos))
        {
            return false;
        }
        gaps.droppedAtHead(message, reason);
        dropped++;
        return true;
    }

    private void dropArriving(final Header message, final ByteBuf run, final int index, final int length)
    {
        gaps.droppedAtTail(message, reason);
        dropped++;
        deadLetter(run, index, length);
    }

    private void deadLetter(final ByteBuf frames, final int index, final int length)
    {
        if (deadLetters != null)
        {
            deadLetters.offer(streamName, reason, frames, index, length);
        }
    }

    // A frame stored whole in one ring record; one stored as fragments is not contiguous and is not kept.
    private void deadLetterFromRing(final int index)
    {
        if (deadLetters != null)
        {
            final ByteBuf ring = memory.ringBytes();
            final int length = Frames.frameLength(ring, index);
            if (length <= memory.maxRecord())
            {
                deadLetters.offer(streamName, reason, ring, index, length);
            }
        }
    }

    // Forget keys whose message has left the tier, so the index holds at most what the tier can hold.
    private void sweepKeyPositions()
    {
        final long consumed = memory.consumerPosition();
        final Long2LongHashMap.EntryIterator entries = keyPositions.entrySet().iterator();
        while (entries.hasNext())
        {
            entries.next();
            if (entries.getLongValue() < consumed)
            {
                entries.remove();
            }
        }
        sweepAt = Math.max(1024, keyPositions.size() * 2);
    }

    private Header view(final ByteBuf run, final int index)
    {
        return header.wrap(incoming.wrap(run), index);
    }
}
