package io.sluice.server.tier.disk;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.protocol.Frames;
import io.sluice.spill.SpillConfig;
import org.agrona.concurrent.SystemNanoClock;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.function.UnaryOperator;

/**
 * A lane's disk tier on Chronicle Queue, the lane's side: its event loop hands runs of frames over and takes restored
 * chunks back through a {@link DiskTierExchange}, without blocking; the spill thread's side, a {@link DiskTierAgent}
 * on the {@link SpillWorker}, does the disk work.
 * <p>
 * On disk a tier is a folder of stores ({@link DiskTierStores}). A durable subscription's folder survives the lane, so
 * its backlog reaches the subscriber when it reconnects under the same name, after a graceful restart or a kill -9.
 * A store record holds a batch of whole frames ({@link DiskTierBatch}); the tier therefore counts its backlog in
 * bytes, which the store keeps exact across restarts, and counts frames only here, on the lane's side.
 * <p>
 * <b>Closing.</b> A durable lane hands over everything it holds when it closes ({@link #handOverHead},
 * {@link #handOverTail}), without bound, and the spill thread writes all of it ({@link DiskTierHandOver}). While it
 * runs, a durable tier keeps that much free space beyond the margin ({@code closeReserveBytes}), so that the hand-over
 * finds room on a nearly full disk too.
 * <p>
 * <b>Failure.</b> Once the tier is {@link DiskTierState#FAILED} this side owns the chunks the spill thread had read
 * back and the consuming end of the hand-off: the lane takes back, in order, what the tier held in memory.
 */
public final class ChronicleDiskTier implements DiskTier
{
    private final SpillWorker worker;
    private final DiskTierExchange exchange = new DiskTierExchange();
    private final boolean durable;
    /** Null unless journaled. */
    private final AppendWatches watches;
    private final ByteBufAllocator alloc;
    private final String name;
    // Written by the lane's event loop only (published for the metrics).
    private volatile long handedFrames;
    private volatile long restoredFrames;
    // Lane's event loop only.
    private long handedBytes;
    private long restoredBytes;

    ChronicleDiskTier(
        final SpillWorker worker, final Path directory, final boolean durable, final long quotaBytes,
        final int maxFrameLength, final ByteBufAllocator alloc, final Runnable wakeLane, final SpillCounters counters,
        final UnaryOperator<SpillConfig> storeSettings, final long closeReserveBytes, final JournalStart journal)
    {
        this.worker = worker;
        this.durable = durable;
        this.alloc = alloc;
        this.name = directory.toString();
        this.watches = journal == null ? null : new AppendWatches();
        final DiskTierStores stores = new DiskTierStores(directory, quotaBytes, maxFrameLength, storeSettings,
            closeReserveBytes, journal != null);
        worker.add(new DiskTierAgent(exchange, stores, durable, maxFrameLength, alloc, wakeLane, counters,
            worker.claims(), worker::remove, SystemNanoClock.INSTANCE,
            journal == null ? null : new AckedFloor(directory, journal.acked(), journal.sent()), watches));
    }

    /**
     * @return bytes of the batch starting at {@code from}: whole frames up to {@code limit} bytes, at least one frame.
     * @see DiskTierBatch#length
     */
    static int batchLength(final ByteBuf frames, final int from, final int to, final int limit)
    {
        return DiskTierBatch.length(frames, from, to, limit);
    }

    @Override
    public boolean hasRoom()
    {
        return exchange.state() == DiskTierState.OPEN && exchange.toDiskBytes() < DiskTierExchange.TO_DISK_BYTES;
    }

    @Override
    public boolean isFull()
    {
        return exchange.state().refusesForGood();
    }

    @Override
    public int offer(final ByteBuf run, final int from, final int to, final int frames)
    {
        if (!hasRoom())
        {
            return from;
        }
        final ByteBuf slice = run.retainedSlice(from, to - from);
        if (!exchange.toDisk().offer(slice))
        {
            slice.release();
            return from;
        }
        exchange.addToDiskBytes(to - from);
        handedBytes += to - from;
        handedFrames += frames;
        worker.wake();
        return to;
    }

    @Override
    public ByteBuf pollRestored()
    {
        ByteBuf chunk = exchange.fromDisk().poll();
        if (chunk == null && exchange.state().hasFailed())
        {
            chunk = takeBackAfterFailure();
        }
        if (chunk != null)
        {
            restoredBytes += chunk.readableBytes();
            restoredFrames += Frames.count(chunk);
            worker.wake();
        }
        return chunk;
    }

    // After a failure the lane owns the chunks read back (leftovers) and the consuming end of the hand-off: it delivers
    // what the tier took from it and could not store, in order.
    private ByteBuf takeBackAfterFailure()
    {
        final ArrayDeque<ByteBuf> chunks = exchange.leftovers();
        if (chunks != null && !chunks.isEmpty())
        {
            return chunks.poll();
        }
        final ByteBuf run = exchange.toDisk().poll();
        if (run == null)
        {
            return null;
        }
        exchange.addToDiskBytes(-run.readableBytes());
        return copyOut(run);
    }

    // A chunk of its own for what is left of a run, and the run released (the run is a slice of a producer's read
    // buffer that other lanes share, and a lane's drop stage may rewrite a restored chunk in place).
    private ByteBuf copyOut(final ByteBuf run)
    {
        final int bytes = run.readableBytes();
        final ByteBuf chunk = alloc.directBuffer(bytes);
        chunk.writeBytes(run, run.readerIndex(), bytes);
        run.release();
        return chunk;
    }

    @Override
    public boolean isEmpty()
    {
        final DiskTierState state = exchange.state();
        if (state.hasFailed())
        {
            final ArrayDeque<ByteBuf> chunks = exchange.leftovers();
            return exchange.fromDisk().isEmpty() && (chunks == null || chunks.isEmpty()) &&
                exchange.toDisk().isEmpty();
        }
        return state != DiskTierState.OPENING &&
            handedBytes + exchange.backlogBytesAtOpen() + exchange.restoreAdjustBytes() == restoredBytes;
    }

    @Override
    public long diskBytes()
    {
        return exchange.diskBytes();
    }

    @Override
    public long spilled()
    {
        return handedFrames;
    }

    @Override
    public long restored()
    {
        return restoredFrames;
    }

    /**
     * When the lane closes: frames older than everything on disk (the memory tier's, and restored chunks not yet sent)
     * go to a new head store, so that they are restored first next time.
     */
    @Override
    public void handOverHead(final ByteBuf olderFrames)
    {
        exchange.headAtClose().add(olderFrames);
    }

    /** When the lane closes: the hand-off's runs are the newest frames; they join the main store. */
    @Override
    public void handOverTail(final ByteBuf run)
    {
        exchange.tailAtClose().add(run);
    }

    @Override
    public void keepPositions(final long acked, final long sent)
    {
        exchange.positionsAtClose(acked, sent);
    }

    @Override
    public void idleSince(final long epochMillis)
    {
        exchange.idleSinceAtClose(epochMillis);
    }

    @Override
    public void close()
    {
        // The lane lets go of its ends of the queues: what it has not taken back goes with the hand-over.
        ByteBuf chunk;
        while ((chunk = exchange.fromDisk().poll()) != null)
        {
            exchange.headAtClose().add(chunk);
        }
        if (exchange.state() == DiskTierState.FAILED)
        {
            final ArrayDeque<ByteBuf> chunks = exchange.leftovers();
            while (chunks != null && (chunk = chunks.poll()) != null)
            {
                exchange.headAtClose().add(chunk);
            }
            while ((chunk = exchange.toDisk().poll()) != null)
            {
                exchange.addToDiskBytes(-chunk.readableBytes());
                exchange.tailAtClose().add(chunk);
            }
        }
        exchange.laneClosed();
        worker.wake();
    }

    @Override
    public boolean isJournaled()
    {
        return watches != null;
    }

    @Override
    public boolean hasFailed()
    {
        return exchange.state().hasFailed();
    }

    @Override
    public void acknowledged(final long position)
    {
        exchange.acknowledged(position);
    }

    @Override
    public void watch(final int sourceId, final AppendWatch watch)
    {
        if (watches == null)
        {
            watch.finished();
            return;
        }
        watches.register(sourceId, watch);
    }

    @Override
    public void unwatch(final int sourceId, final AppendWatch watch)
    {
        if (watches != null)
        {
            watches.unregister(sourceId, watch);
        }
    }

    @Override
    public boolean isDurable()
    {
        return durable;
    }

    /** @return whether the spill thread has finished with the tier (stores closed, buffers released). */
    boolean isFinished()
    {
        return exchange.state() == DiskTierState.CLOSED;
    }

    @Override
    public String toString()
    {
        return name;
    }
}
