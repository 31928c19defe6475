package io.sluice.server.tier.disk;

import io.netty.buffer.ByteBuf;
import io.sluice.spill.SpillStore;

import java.util.ArrayDeque;
import java.util.Queue;

import static io.sluice.server.tier.disk.DiskTierLog.LOG;
import static io.sluice.server.tier.disk.DiskTierLog.WARNINGS;

/**
 * What becomes of the frames a disk tier still holds when it finishes, spill thread only. A durable tier writes all of
 * it, without bound (the lane's configuration bounds it: its hand-off, memory tier and unsent frames), past the quota
 * if need be, never past the free-space margin, so that nothing the relay acknowledged is dropped at close: the newest
 * frames join {@code main}, frames older than everything on disk go to a new head store, restored first next time.
 * A failed tier has no store to write to: what its lane left is released and counted as lost.
 */
final class DiskTierHandOver
{
    private final DiskTierExchange exchange;
    private final DiskTierStores stores;
    private final RestoredChunks chunks;
    private final SpillCounters counters;
    private final int batchBytes;
    private final boolean journaled;
    // Once a store refuses a batch, the rest of the hand-over goes with it.
    private boolean refusing;

    DiskTierHandOver(
        final DiskTierExchange exchange, final DiskTierStores stores, final RestoredChunks chunks,
        final SpillCounters counters, final int batchBytes, final boolean journaled)
    {
        this.journaled = journaled;
        this.exchange = exchange;
        this.stores = stores;
        this.chunks = chunks;
        this.counters = counters;
        this.batchBytes = batchBytes;
    }

    /**
     * A durable tier, open: writes everything the lane handed over or left behind, oldest where it belongs. A
     * journaled tier's older frames all came from {@code main}, where they stay until acknowledged: only the hand-off's
     * runs are new.
     */
    void keepWhatTheLaneHeld()
    {
        final SpillStore main = stores.main();
        stores.unboundMain();
        refusing = false;
        long refused = appendInOrder(main, exchange.toDisk()) + appendInOrder(main, exchange.tailAtClose());
        exchange.clearToDiskBytes();
        final Queue<ByteBuf> headAtClose = exchange.headAtClose();
        if (journaled)
        {
            DiskTierExchange.release(headAtClose);
            DiskTierExchange.release(exchange.fromDisk());
            DiskTierExchange.release(chunks.ready());
        }
        else if (!headAtClose.isEmpty() || !exchange.fromDisk().isEmpty() || !chunks.isEmpty())
        {
            // Oldest first: the lane's unsent frames, memory tier and the chunks it had not sent (all in headAtClose),
            // then chunks this thread handed back after the lane's last look, then those read but not handed over.
            final SpillStore head = stores.openHead();
            refusing = false;
            refused += appendInOrder(head, headAtClose) + appendInOrder(head, exchange.fromDisk()) +
                appendInOrder(head, chunks.ready());
        }
        reportRefused(main, refused);
    }

    private void reportRefused(final SpillStore main, final long refused)
    {
        if (refused > 0)
        {
            // Logged before it is counted: whoever sees the count can find the line.
            LOG.error("disk tier {}: {} bytes of messages the lane held at close could not be written (free space " +
                "below the margin of {} bytes) and are lost", stores.directory(), refused,
                main.freeSpaceMarginBytes());
            counters.onLost(refused);
        }
    }

    /** A failed tier whose lane has closed: everything the lane handed over or left behind is released, as lost. */
    void releaseAfterFailure()
    {
        long lost = DiskTierExchange.release(exchange.headAtClose()) +
            DiskTierExchange.release(exchange.tailAtClose()) + DiskTierExchange.release(exchange.toDisk()) +
            DiskTierExchange.release(exchange.fromDisk());
        final ArrayDeque<ByteBuf> leftovers = exchange.leftovers();
        if (leftovers != null)
        {
            lost += DiskTierExchange.release(leftovers);
        }
        if (lost > 0)
        {
            WARNINGS.warn("disk tier {} had failed: {} bytes of messages its lane held at close are lost",
                stores.directory(), lost);
            counters.onLost(lost);
        }
    }

    /**
     * Appends the chunks' frames in batches; once the store refuses one, the rest goes with it, so that what is kept
     * stays in order with one hole at most, never a scatter of batches that happened to fit.
     *
     * @return bytes refused; every chunk is released.
     */
    private long appendInOrder(final SpillStore store, final Queue<ByteBuf> queue)
    {
        long refused = 0;
        ByteBuf chunk;
        while ((chunk = queue.poll()) != null)
        {
            final int end = chunk.writerIndex();
            for (int i = chunk.readerIndex(), length; i < end; i += length)
            {
                length = DiskTierBatch.length(chunk, i, end, batchBytes);
                if (refusing || store.append(chunk, i, length) != SpillStore.OK)
                {
                    refusing = true;
                    refused += length;
                }
            }
            chunk.release();
        }
        return refused;
    }
}
