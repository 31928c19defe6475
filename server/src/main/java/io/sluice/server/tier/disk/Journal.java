package io.sluice.server.tier.disk;

import io.netty.buffer.ByteBuf;
import io.sluice.spill.SpillStore;

import java.util.Objects;

/**
 * What a journaled disk tier does on the spill thread beyond any other tier: an acknowledging durable subscription
 * with on-full throttle keeps every frame in its {@code main} store until the subscriber acknowledges it. The journal
 * numbers the store's records and releases those the subscriber acknowledged, keeping the positions file ahead of
 * the store ({@link AckedFloor}), and tells the publishers whose ACKs wait for their frames to be on disk how far
 * they are ({@link AppendWatches}). {@link DiskTierAgent} calls it at its points: open, each run appended, each turn,
 * the lane's close, and the tier's end.
 * <p>
 * Spill thread only.
 */
final class Journal
{
    private final AckedFloor floor;
    private final AppendWatches watches;

    Journal(final AckedFloor floor, final AppendWatches watches)
    {
        this.floor = Objects.requireNonNull(floor, "floor");
        this.watches = Objects.requireNonNull(watches, "watches");
    }

    /** The stores are open: counting starts at {@code main}'s kept position (see {@link AckedFloor#open}). */
    void open(final SpillStore main)
    {
        floor.open(main);
    }

    /** The frames {@code [from, to)} of {@code run}, one publisher's, are on disk: it may be ACKed for them. */
    void appended(final ByteBuf run, final int from, final int to)
    {
        if (to > from)
        {
            watches.onAppended(run, from, to);
        }
    }

    /** Each turn: the records the subscriber acknowledged, up to {@code acked}, are released (once per interval). */
    void release(final SpillStore main, final long acked, final long nowNanos)
    {
        floor.release(main, acked, nowNanos);
    }

    /**
     * The lane has closed and its hand-over is on disk: the positions it ended with are kept, and the records they
     * cover released. Nothing to keep when the tier never opened.
     */
    void close(final SpillStore main, final long acked, final long sent)
    {
        if (floor.isOpen())
        {
            floor.close(main, acked, sent);
        }
    }

    /**
     * The tier has finished or failed: nothing more is appended, so no publisher waits for it (again is harmless).
     * The positions need no last write: {@link #close} wrote them before the last release.
     */
    void finish()
    {
        watches.finishAll();
    }
}
