package io.sluice.server.tier.memory;

import io.netty.buffer.ByteBuf;
import org.agrona.DirectBuffer;

/**
 * What a drop policy needs to see on the way out of a {@link MemoryTier}: called from inside the tier's reads
 * ({@link MemoryTier#drainTo}, {@link MemoryTier#evictOldest}, {@link MemoryTier#compact}), on the lane's event loop.
 * {@code index} is where a stored frame starts in {@code buffer}, the ring's memory.
 */
public interface TierGate
{
    /** @return whether the frame at {@code index} is to be dropped instead of delivered (it is then counted). */
    boolean expired(DirectBuffer buffer, int index);

    /** @return bytes of GAP frames that must go out before the next message. */
    int pendingGapBytes();

    /** Writes the pending GAP frames to {@code out}. */
    void writeGaps(ByteBuf out);

    /** The frame at {@code index} was evicted to make room. */
    void onEvicted(DirectBuffer buffer, int index);

    /** A GAP frame stored at {@code index} was evicted; its drops still need reporting. */
    void onGapEvicted(DirectBuffer buffer, int index);

    /** The frame at {@code index} is being replaced by a newer one with the same key (it becomes a tombstone). */
    void onReplaced(DirectBuffer buffer, int index);

    /**
     * The output (or an eviction) passed the tombstone of the frame at {@code index}, replaced earlier and counted
     * then: its drop is to be announced before the next frame.
     */
    void onTombstonePassed(DirectBuffer buffer, int index);

    /** Compaction moved the frame at {@code index}, whose first record is now at ring {@code position}. */
    void onMoved(DirectBuffer buffer, int index, long position);
}
