package io.sluice.server.tier.disk;

import io.sluice.spill.SpillStore;

import static io.sluice.server.tier.disk.DiskTierLog.LOG;
import static io.sluice.server.tier.disk.DiskTierLog.WARNINGS;

/**
 * When the disk refuses, spill thread only: the tier becomes {@link DiskTierState#FULL} (the lane's on-full policy
 * acts), a warning goes to the log at most once a minute (a tier at its quota whose subscriber keeps up fills and
 * drains many times a second), and, once the lane has handed nothing more, the tier looks for room again every
 * {@link #ROOM_CHECK_INTERVAL_NANOS}, on the clock its agent passes in.
 */
final class DiskTierRoom
{
    static final long ROOM_CHECK_INTERVAL_NANOS = 100_000_000L;
    private static final long FULL_WARNING_INTERVAL_NANOS = 60_000_000_000L;

    private final DiskTierExchange exchange;
    private final DiskTierStores stores;
    private final RestoredChunks chunks;
    private final int batchBytes;
    private long lastRoomCheckNanos;
    private long lastFullWarningNanos;
    private long fullSpells;
    private boolean resetSinceFull;

    DiskTierRoom(
        final DiskTierExchange exchange, final DiskTierStores stores, final RestoredChunks chunks, final int batchBytes)
    {
        this.exchange = exchange;
        this.stores = stores;
        this.chunks = chunks;
        this.batchBytes = batchBytes;
    }

    /** The store refused a run with {@code status}. */
    void onRefused(final int status, final long nowNanos)
    {
        if (exchange.transition(DiskTierState.OPEN, DiskTierState.FULL))
        {
            lastRoomCheckNanos = nowNanos;
            fullSpells++;
            if (nowNanos - lastFullWarningNanos >= FULL_WARNING_INTERVAL_NANOS || lastFullWarningNanos == 0)
            {
                lastFullWarningNanos = nowNanos;
                final SpillStore main = stores.main();
                WARNINGS.warn("disk tier {} full ({}; {} time(s) since this was last logged): the lane delivers " +
                    "from memory and its on-full policy acts until there is room again", stores.directory(),
                    status == SpillStore.QUOTA_EXCEEDED ? "quota of " + main.quotaBytes() + " bytes reached" :
                    "free space below the margin of " + main.freeSpaceMarginBytes() + " bytes", fullSpells);
                fullSpells = 0;
            }
        }
    }

    /** The store took a run: a full tier takes runs again. */
    void onAppended()
    {
        if (exchange.transition(DiskTierState.FULL, DiskTierState.OPEN))
        {
            resetSinceFull = false;
            LOG.debug("disk tier {} takes messages again", stores.directory());
        }
    }

    /**
     * The store refused and the lane has handed nothing since: is there room again? Looks once per interval.
     *
     * @return whether the tier takes runs again (the caller wakes the lane).
     */
    boolean lookAgain(final long nowNanos)
    {
        if (exchange.state() != DiskTierState.FULL || !exchange.toDisk().isEmpty() ||
            nowNanos - lastRoomCheckNanos <= ROOM_CHECK_INTERVAL_NANOS)
        {
            return false;
        }
        lastRoomCheckNanos = nowNanos;
        int status = stores.main().room(batchBytes);
        if (status == SpillStore.QUOTA_EXCEEDED && !resetSinceFull && !stores.hasHeads() &&
            stores.main().isEmpty() && stores.main().unreleasedRecords() == 0 && chunks.isEmpty())
        {
            // Everything on disk was consumed, yet the quota is still taken: start the drained store afresh, once.
            resetSinceFull = true;
            stores.startMainAfresh();
            status = stores.main().room(batchBytes);
        }
        if (status != SpillStore.OK)
        {
            return false;
        }
        onAppended();
        return true;
    }
}
