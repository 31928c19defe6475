package io.sluice.server.tier.disk;

import io.netty.buffer.ByteBuf;

/**
 * A lane's disk tier, seen from the lane's event loop. The disk work itself (Chronicle Queue appends and reads)
 * happens on a spill thread behind this interface, never on the event loop; the methods here only hand frames
 * over and take restored frames back, without blocking.
 */
public interface DiskTier
{
    /**
     * The reason code of the GAP frames a tier writes for frames lost to damaged spill files. The code is
     * {@code DropReason.SPILL_DAMAGE}'s, the table every GAP reason is named in; the tier keeps its own copy so that it
     * writes its GAP frames without knowing the drop package above it.
     */
    int DAMAGE_GAP_REASON = 7;

    /**
     * @return whether {@link #offer} can take frames now (quota, free space, and the hand-over to the spill thread).
     */
    boolean hasRoom();

    /**
     * @return whether the tier refuses frames because its quota or the disk's free space is used up, or because it
     * failed: the point where a drop policy takes over; while it is only opening or catching up, frames wait instead.
     */
    boolean isFull();

    /**
     * Hands frames {@code [from, to)} of {@code run} to the disk tier, all or none. Retains what it keeps.
     *
     * @return {@code to} when taken, {@code from} when refused.
     */
    int offer(ByteBuf run, int from, int to, int frames);

    /**
     * @return the next buffer of frames read back from disk, in order, or null when none is ready; the caller
     * owns it.
     */
    ByteBuf pollRestored();

    /**
     * @return whether every frame handed over has come back through {@link #pollRestored()}.
     */
    boolean isEmpty();

    /** @return bytes the tier uses on disk. */
    long diskBytes();

    /** @return frames handed to the tier. */
    long spilled();

    /** @return frames read back from the tier. */
    long restored();

    /**
     * @return whether the tier outlives its lane (a durable subscription), so that a closing lane hands it what it
     * still holds.
     */
    boolean isDurable();

    /**
     * Lane's event loop, while closing: frames older than everything on disk (the memory tier's), to be restored
     * first next time. Takes ownership. Never refuses: the lane's configuration bounds what it hands over.
     */
    void handOverHead(ByteBuf olderFrames);

    /**
     * Lane's event loop, while closing: the newest frames (the hand-off's), to follow everything on disk. Takes
     * ownership. Never refuses: the lane's configuration bounds what it hands over.
     */
    void handOverTail(ByteBuf newerFrames);

    /**
     * Lane's event loop, before {@link #close()}: an acknowledging durable subscription's positions, to be written
     * beside its stores as the tier closes ({@link PositionsFile}).
     */
    default void keepPositions(final long acked, final long sent)
    {
    }

    /**
     * Lane's event loop, before {@link #close()}: the subscription has had no connection since {@code epochMillis}
     * (a lane that stayed, detached, while its subscriber was away), not since the close; its idle clock starts then.
     */
    default void idleSince(final long epochMillis)
    {
    }

    /**
     * @return whether every frame the lane takes goes through this tier and stays on disk until its subscriber
     * acknowledges it, so that a relay crash loses nothing ({@link JournalStart}).
     */
    default boolean isJournaled()
    {
        return false;
    }

    /** @return whether the tier has failed: its lane goes on without it. */
    default boolean hasFailed()
    {
        return false;
    }

    /** Lane's event loop, journaled tier: the subscriber acknowledged every position up to {@code position}. */
    default void acknowledged(final long position)
    {
    }

    /**
     * Publisher's event loop, journaled tier, before it offers the lane its first run: {@code watch} learns as the
     * publisher's frames (source {@code sourceId}) reach the disk.
     */
    default void watch(final int sourceId, final AppendWatch watch)
    {
        watch.finished();
    }

    /** Publisher's event loop, as its connection ends: the watch is no longer needed. */
    default void unwatch(final int sourceId, final AppendWatch watch)
    {
    }

    /**
     * Lane's event loop: the lane is gone. Frames not yet restored stay on disk when the subscription is durable.
     */
    void close();
}
