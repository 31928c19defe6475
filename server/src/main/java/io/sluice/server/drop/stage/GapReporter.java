package io.sluice.server.drop.stage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.protocol.Header;
import io.sluice.core.util.EpochClock;
import io.sluice.server.tier.disk.DiskTier;
import io.sluice.server.tier.memory.GapTable;
import io.sluice.server.tier.memory.MemoryTier;

/**
 * A lane's drops not yet reported, and the way each reaches the subscriber as GAP frames. Every drop lands in one of
 * two {@link GapTable}s:
 * <ul>
 *   <li>head drops (evicted oldest, expired on delivery, a replaced message whose tombstone the output passed) go out
 *       before the next frame written to the subscriber, since the head is what goes out next;</li>
 *   <li>tail drops (the arriving message dropped) are stored in a tier before the next frame the tier takes, so the
 *       notice sits where the missing messages would have been. Stored in the memory tier, a tail drop merges into
 *       the GAP record stored just before it when nothing came between ({@link MemoryTier#offerGap}).</li>
 * </ul>
 * Whatever is still unreported when both tiers run empty is taken at once ({@link #takeAll}), head drops first.
 * <p>
 * Lane's event loop only; allocates nothing per drop.
 */
public final class GapReporter
{
    private final GapTable head = new GapTable();
    private final GapTable tail = new GapTable();

    /** One message dropped at the head. */
    void droppedAtHead(final Header message, final int reason)
    {
        head.add(message.streamId(), message.sourceId(), message.sequence(), reason);
    }

    /** A stored GAP frame was dropped at the head: the drops it announced are still to be reported. */
    void gapDroppedAtHead(final Header gap)
    {
        head.add(gap.streamId(), gap.sourceId(), gap.gapFromSequence(), gap.gapToSequence(), gap.gapDroppedCount(),
            gap.gapReason());
    }

    /** One arriving message dropped at the tail. */
    void droppedAtTail(final Header message, final int reason)
    {
        tail.add(message.streamId(), message.sourceId(), message.sequence(), reason);
    }

    /** @return bytes of the GAP frames that must go out before the next frame. */
    int headBytes()
    {
        return head.frameBytes();
    }

    /** Writes the head drops to {@code out} as GAP frames, and forgets them. */
    void writeHead(final ByteBuf out)
    {
        head.writeAll(out, EpochClock.nanos());
        head.clear();
    }

    /** @return the head drops as GAP frames, to write before a buffer restored from disk; null when none. */
    public ByteBuf takeHead(final ByteBufAllocator alloc)
    {
        if (head.isEmpty())
        {
            return null;
        }
        final ByteBuf out = alloc.directBuffer(head.frameBytes());
        writeHead(out);
        return out;
    }

    /**
     * The tiers are empty: every drop not yet reported is reported now, in a buffer for the subscriber.
     *
     * @return GAP frames, or null when none are pending.
     */
    public ByteBuf takeAll(final ByteBufAllocator alloc)
    {
        if (head.isEmpty() && tail.isEmpty())
        {
            return null;
        }
        final ByteBuf out = alloc.directBuffer(head.frameBytes() + tail.frameBytes());
        final long now = EpochClock.nanos();
        head.writeAll(out, now);
        head.clear();
        tail.writeAll(out, now);
        tail.clear();
        return out;
    }

    /** @return whether tail drops wait to be stored before the next frame a tier takes. */
    boolean hasTail()
    {
        return !tail.isEmpty();
    }

    /** @return whether the tail drops are all stored in {@code memory}; false when it is full first. */
    boolean storeTail(final MemoryTier memory)
    {
        final long now = EpochClock.nanos();
        while (!tail.isEmpty())
        {
            if (!memory.offerGap(tail, now))
            {
                return false;
            }
        }
        return true;
    }

    /** @return whether {@code disk} took the tail drops (all or none). */
    boolean storeTail(final DiskTier disk, final ByteBufAllocator alloc)
    {
        final ByteBuf gaps = alloc.directBuffer(tail.frameBytes());
        try
        {
            tail.writeAll(gaps, EpochClock.nanos());
            if (disk.offer(gaps, 0, gaps.writerIndex(), tail.size()) == 0)
            {
                return false;
            }
            tail.clear();
            return true;
        }
        finally
        {
            gaps.release();
        }
    }
}
