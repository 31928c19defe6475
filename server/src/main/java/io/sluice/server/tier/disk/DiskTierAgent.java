package io.sluice.server.tier.disk;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.spill.SpillStore;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

import static io.sluice.server.tier.disk.DiskTierLog.LOG;
import static io.sluice.server.tier.disk.DiskTierLog.WARNINGS;

/**
 * A disk tier's spill-thread side, one member of the {@link SpillWorker}'s composite agent: each {@link #doWork()}
 * opens the stores (once the directory's previous tier has finished), appends the runs the lane handed over (at most
 * what one turn can restore, so that reading back keeps pace with a flood), restores chunks for the lane and, a few
 * times a second, measures the stores and looks for room when the disk refused.
 * <p>
 * <b>When the disk refuses</b> (quota, or free space below the margin), the tier is {@link DiskTierState#FULL}: the
 * lane's on-full policy acts, and the runs the tier already took wait in the hand-off; once nothing is stored ahead of
 * them they go straight back to the lane as restored chunks, in order; {@link DiskTierRoom} looks for room again a
 * few times a second.
 * <p>
 * <b>A journaled tier</b> keeps every frame on disk until its subscriber acknowledges it: what that takes beyond the
 * above (numbering and releasing records, telling publishers what is on disk) is its {@link Journal}'s, and a full
 * journaled tier holds its lane's producers rather than passing runs through.
 * <p>
 * <b>Closing and failing</b> go through one path each. The lane's close, or the spill thread stopping
 * ({@link #onClose()}), has {@link #shutdown()} hand over a durable lane's frames ({@link DiskTierHandOver}) and close
 * the stores. Anything {@link #doWork()} throws, an {@link Error} too (a fault in a mapped file), goes to
 * {@link #fail}: the stores close (releasing the directory for the subscription's next connection), the lane takes
 * back what the tier held in memory, delivers it, and goes on without a disk tier. Either way the tier ends
 * {@link DiskTierState#CLOSED} and leaves the composite.
 */
final class DiskTierAgent implements Agent
{
    private static final long MEASURE_INTERVAL_NANOS = 250_000_000L;
    // A turn appends at most what a turn can restore: a producer flooding the hand-off would otherwise keep the spill
    // thread appending while the subscriber waits for what is already on disk.
    private static final long APPEND_BYTES_PER_TURN =
        (long)DiskTierExchange.FROM_DISK_CHUNKS * RestoredChunks.CHUNK_BYTES;

    private final DiskTierExchange exchange;
    private final DiskTierStores stores;
    private final RestoredChunks chunks;
    private final DiskTierHandOver handOver;
    private final DiskTierRoom room;
    private final DiskTierClaims claims;
    private final Consumer<Agent> leave;
    private final boolean durable;
    /** Null unless the tier is journaled. */
    private final Journal journal;
    private final Runnable wakeLane;
    private final Runnable wakeLaneQuietly = this::wakeLane;
    private final SpillCounters counters;
    private final NanoClock clock;
    private final int batchBytes;
    private final String roleName;
    private long lastMeasureNanos;
    private long backlogAtClose = IdleMarker.UNKNOWN;

    /**
     * @param wakeLane runs the lane's drain on its event loop (it has chunks, or room, or has failed).
     * @param claims   the spill thread's directory claims: this tier claims its directory when it joins.
     * @param leave    takes this agent off the spill thread once it has finished.
     * @param clock    for the measuring, room-checking and warning intervals.
     * @param floor    a journaled tier's positions, or null; with {@code watches}, both or neither.
     * @param watches  a journaled tier's publishers waiting for their frames to be on disk, or null.
     */
    DiskTierAgent(
        final DiskTierExchange exchange, final DiskTierStores stores, final boolean durable, final int maxFrameLength,
        final ByteBufAllocator alloc, final Runnable wakeLane, final SpillCounters counters,
        final DiskTierClaims claims, final Consumer<Agent> leave, final NanoClock clock, final AckedFloor floor,
        final AppendWatches watches)
    {
        this.journal = floor == null ? null : new Journal(floor, watches);
        this.exchange = exchange;
        this.stores = stores;
        this.durable = durable;
        this.batchBytes = Math.min(RestoredChunks.CHUNK_BYTES, maxFrameLength);
        this.wakeLane = wakeLane;
        this.counters = counters;
        this.claims = claims;
        this.leave = leave;
        this.clock = clock;
        this.chunks = new RestoredChunks(alloc, counters, exchange, stores, floor);
        this.handOver = new DiskTierHandOver(exchange, stores, chunks, counters, batchBytes, journal != null);
        this.room = new DiskTierRoom(exchange, stores, chunks, batchBytes);
        this.roleName = "disk-tier " + stores.directory();
    }

    Path directory()
    {
        return stores.directory();
    }

    @Override
    public void onStart()
    {
        claims.claim(this);
    }

    @Override
    public int doWork()
    {
        try
        {
            return work();
        }
        catch (final Throwable ex)
        {
            // An Error too (an InternalError from a fault in a mapped file, an OutOfMemoryError): it fails this tier,
            // and the spill thread goes on for every other tier and duty.
            failQuietly(ex);
            return 1;
        }
    }

    /** The spill thread stops: the tier finishes as if its lane had closed (a durable tier keeps what it holds). */
    @Override
    public void onClose()
    {
        while (exchange.state() != DiskTierState.CLOSED)
        {
            try
            {
                shutdown();
            }
            catch (final Throwable ex)
            {
                failQuietly(ex);
            }
        }
    }

    @Override
    public String roleName()
    {
        return roleName;
    }

    private int work()
    {
        switch (exchange.state())
        {
            case OPEN, FULL:
                return moveFrames();
            case OPENING, CLOSING:
                if (!stores.isOpen())
                {
                    if (claims.heldBefore(this))
                    {
                        // The subscription's previous connection has not finished with the directory yet.
                        return 0;
                    }
                    open();
                    // Woken once the state says so: a lane woken before would find no room and wait.
                    final boolean opened = exchange.transition(DiskTierState.OPENING, DiskTierState.OPEN);
                    wakeLane();
                    if (opened)
                    {
                        return 1;
                    }
                }
                shutdown();
                return 1;
            case FAILED_CLOSING:
                finishAfterFailure();
                return 1;
            default:
                // FAILED: the lane holds what is left until it closes; CLOSED: leaving.
                return 0;
        }
    }

    private int moveFrames()
    {
        int work = append();
        if (work > 0)
        {
            // Room in the hand-off again: the lane may have runs waiting for it.
            wakeLane();
        }
        work += restore();
        final long now = clock.nanoTime();
        if (journal != null)
        {
            journal.release(stores.main(), exchange.ackedPosition(), now);
        }
        if (room.lookAgain(now))
        {
            wakeLane();
            work++;
        }
        // Measuring disk use costs system calls: a few times a second is plenty for a gauge and the log.
        if (now - lastMeasureNanos > MEASURE_INTERVAL_NANOS)
        {
            lastMeasureNanos = now;
            lookAtDrainedStore();
            stores.shareQuota();
            exchange.diskBytes(stores.diskBytes());
            // What the lane restores next is in the reader's file; what lies beyond it, once on disk, need not stay in
            // memory (see SpillStore.dropCachedPages).
            stores.main().dropCachedPages();
        }
        return work;
    }

    private void open()
    {
        exchange.backlogBytesAtOpen(stores.open());
        exchange.diskBytes(stores.diskBytes());
        if (journal != null)
        {
            markIdle(false);
            journal.open(stores.main());
        }
        else if (durable)
        {
            markIdle(false);
            forgetPositions();
        }
    }

    // A lane holds the subscription: a crash from now on must not leave positions that no longer match the stores.
    private void forgetPositions()
    {
        try
        {
            PositionsFile.delete(stores.directory());
        }
        catch (final IOException | RuntimeException ex)
        {
            WARNINGS.warn("disk tier {}: cannot delete its acknowledged positions: {}", stores.directory(),
                ex.toString());
        }
    }

    // Only after the hand-over is on disk: the positions say the unacknowledged frames come first.
    private void keepPositions()
    {
        if (exchange.ackedAtClose() < 0)
        {
            forgetPositions();
            return;
        }
        try
        {
            PositionsFile.write(stores.directory(), exchange.ackedAtClose(), exchange.sentAtClose());
        }
        catch (final IOException | RuntimeException ex)
        {
            WARNINGS.warn("disk tier {}: cannot keep its acknowledged positions: {}", stores.directory(),
                ex.toString());
        }
    }

    /**
     * A durable subscription's idle clock ({@link IdleMarker}): stopped while a connection holds the directory,
     * started again when it closes. A marker that cannot be written is logged; the directory is then only kept longer.
     */
    private void markIdle(final boolean idle)
    {
        try
        {
            if (idle)
            {
                final long since = exchange.idleSinceAtClose();
                IdleMarker.write(stores.directory(), since > 0 ? since : System.currentTimeMillis(), backlogAtClose);
            }
            else
            {
                IdleMarker.delete(stores.directory());
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            WARNINGS.warn("disk tier {}: cannot update its idle marker: {}", stores.directory(), ex.toString());
        }
    }

    // One record per batch: the whole run when it fits a batch, else batches cut at frame boundaries. A run the store
    // refuses stays at the head of the hand-off.
    private int append()
    {
        final OneToOneConcurrentArrayQueue<ByteBuf> toDisk = exchange.toDisk();
        final SpillStore main = stores.main();
        int work = 0;
        long appended = 0;
        ByteBuf run;
        while (appended < APPEND_BYTES_PER_TURN && (run = toDisk.peek()) != null)
        {
            final int start = run.readerIndex();
            final int end = run.writerIndex();
            int index = start;
            int status = SpillStore.OK;
            while (index < end)
            {
                final int length = DiskTierBatch.length(run, index, end, batchBytes);
                status = main.append(run, index, length);
                if (status != SpillStore.OK)
                {
                    break;
                }
                index += length;
                work++;
            }
            exchange.addToDiskBytes(-(index - start));
            appended += index - start;
            if (journal != null)
            {
                journal.appended(run, start, index);
            }
            if (status != SpillStore.OK)
            {
                run.readerIndex(index);
                room.onRefused(status, clock.nanoTime());
                return work;
            }
            toDisk.poll();
            run.release();
            room.onAppended();
        }
        return work;
    }

    private int restore()
    {
        int work = 0;
        while (true)
        {
            // Hand back what is ready, in order, as far as the queue has room; read more only once all is handed.
            if (!chunks.handOver(exchange.fromDisk(), wakeLaneQuietly))
            {
                return work;
            }
            final SpillStore source = stores.nextSource();
            if (source == null)
            {
                // A journaled tier keeps every frame on disk: a full one holds its lane's producers instead.
                if (exchange.state() != DiskTierState.FULL || journal != null || !passThrough())
                {
                    return work;
                }
                work++;
                continue;
            }
            final int read = chunks.readFrom(source);
            work += read;
            if (read == 0)
            {
                return work;
            }
        }
    }

    // The store refused the run at the head of the hand-off and holds nothing ahead of it.
    private boolean passThrough()
    {
        final ByteBuf run = exchange.toDisk().peek();
        if (run == null)
        {
            return false;
        }
        final int bytes = run.readableBytes();
        chunks.passThrough(run);
        exchange.toDisk().poll();
        exchange.addToDiskBytes(-bytes);
        run.release();
        return true;
    }

    // A drained store starts a new file (so that the drained one can be deleted) when a read finds it empty and nothing
    // was appended for a while; restore() reads only stores that hold something, so look again now and then.
    private void lookAtDrainedStore()
    {
        if (!stores.main().isEmpty() || stores.hasHeads() || !chunks.isEmpty())
        {
            return;
        }
        chunks.readDrained(stores.main());
    }

    /**
     * When the lane has closed or the spill thread stops: a durable tier writes everything the lane handed over (the
     * quota does not apply: the lane's configuration bounds it), then the stores close; a tier that is not durable
     * deletes its folder.
     */
    void shutdown()
    {
        final DiskTierState state = exchange.state();
        if (state == DiskTierState.CLOSED)
        {
            return;
        }
        if (state.hasFailed())
        {
            finishAfterFailure();
            return;
        }
        if (durable)
        {
            if (!stores.isOpen())
            {
                // The lane closed before its tier had opened: what it handed over is kept all the same.
                open();
                wakeLane();
            }
            handOver.keepWhatTheLaneHeld();
            if (journal != null)
            {
                journal.close(stores.main(), exchange.ackedAtClose(), exchange.sentAtClose());
            }
            backlogAtClose = stores.strandedBytes();
        }
        stores.close();
        exchange.releaseAll();
        chunks.releaseAll();
        if (!durable)
        {
            DiskTierStores.deleteTree(stores.directory());
        }
        finish();
    }

    private void finishAfterFailure()
    {
        // What the lane handed over may not be on disk: positions kept now would name the wrong frames.
        exchange.positionsAtClose(-1, -1);
        handOver.releaseAfterFailure();
        if (!durable)
        {
            DiskTierStores.deleteTree(stores.directory());
        }
        finish();
    }

    private void finish()
    {
        if (journal != null)
        {
            journal.finish();
        }
        if (durable && Files.isDirectory(stores.directory()))
        {
            markIdle(true);
            if (journal == null)
            {
                // A journaled tier's positions are its journal's, written before its last release.
                keepPositions();
            }
        }
        exchange.closed();
        claims.release(this);
        leave.accept(this);
    }

    private void failQuietly(final Throwable cause)
    {
        try
        {
            fail(cause);
        }
        catch (final Throwable ex)
        {
            ex.addSuppressed(cause);
            LOG.error("disk tier {}: failing it failed too", stores.directory(), ex);
        }
    }

    /**
     * The one way a tier fails: its stores close (so that the subscription's next connection can open them), the
     * chunks read back go to the lane with the consuming end of the hand-off, and the lane is woken to deliver them
     * and go on from memory. Frames that stay on disk wait for a durable subscription's next connection; a tier
     * without a durable name loses them.
     */
    void fail(final Throwable cause)
    {
        if (exchange.state().hasFailed())
        {
            // Failed again while finishing after a failure: give up on the rest, quietly.
            finish();
            return;
        }
        final long stranded = stores.strandedBytes();
        backlogAtClose = stranded;
        stores.close();
        // Records copied into the chunk being filled are consumed in the store: they must reach the lane.
        chunks.keepPartialChunk();
        exchange.leftovers(chunks.ready());
        exchange.failed();
        if (journal != null)
        {
            // Nothing more goes to disk: the lane delivers from memory, and its publishers are ACKed as without a tier.
            journal.finish();
        }
        // Logged before it is counted: whoever sees the count can find the line.
        LOG.error("disk tier {} failed; its lane delivers what it holds in memory and falls back to its on-full " +
            "policy; {} bytes of messages on disk {}", stores.directory(), stranded, durable ?
            "stay there for the subscription's next connection" : "are lost", cause);
        counters.onFailure();
        if (!durable)
        {
            counters.onLost(stranded);
        }
        wakeLane();
    }

    // The relay stops its event loops before the spill thread: a lane whose loop is gone cannot be woken, and need
    // not be (its close() handed over what it held), but the tier must still finish and close its stores.
    private void wakeLane()
    {
        try
        {
            wakeLane.run();
        }
        catch (final RejectedExecutionException ex)
        {
            LOG.debug("disk tier {}: the lane's event loop has stopped", stores.directory());
        }
    }
}
