package io.sluice.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.util.EpochClock;
import io.sluice.core.util.RateLimitedLogger;
import io.sluice.server.drop.DropReason;
import io.sluice.spill.FrameHandler;
import io.sluice.spill.SpillConfig;
import io.sluice.spill.SpillStore;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongLongConsumer;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A lane's disk tier on Chronicle Queue. The lane's event loop hands runs of frames over and takes restored
 * frames back through two bounded single-producer queues; the {@link SpillWorker} thread does the disk work.
 * <p>
 * On disk, a tier is a folder holding a {@code main} store (FIFO of what the lane spilled) and zero or more
 * {@code head-N} stores. A head store holds frames that were older than everything in {@code main} when the lane
 * closed (its memory tier, and frames restored but not yet sent); they must go out first, so heads are restored
 * newest-first, before {@code main}. A durable subscription's folder survives the lane, so its backlog reaches
 * the subscriber when it reconnects under the same name, after a graceful restart or a kill -9. The lane's quota
 * ({@code spill-quota}) covers all of its stores: {@code main} may use what the heads leave.
 * <p>
 * A store record holds a <em>batch</em>: frames back to back, up to {@link #CHUNK_BYTES} (or one larger frame
 * alone). Chronicle's cost is per document (header, index, and its recomputing of the last sequence number on each
 * append), so one document per run instead of one per frame is what lets a spilling lane keep up with memory-only;
 * a restored batch is copied into a chunk as one block. Stores written one frame per record (earlier versions)
 * read the same way: a record is always whole frames. The tier therefore counts its backlog in bytes, which the
 * store keeps exact across restarts, and counts frames only on the lane's side.
 * <p>
 * <b>When the disk refuses</b> (quota, or free space below the margin), the tier stops taking runs ({@link #hasRoom()}
 * false, {@link #isFull()} true: the lane's on-full policy acts) and the runs it already took wait in the hand-over.
 * Once nothing is stored ahead of them they go straight back to the lane as restored chunks, in order: a lane whose
 * disk cannot take anything still delivers everything it accepted, from memory. The tier looks for room again a few
 * times a second.
 * <p>
 * <b>Closing.</b> A durable lane hands over everything it holds when it closes, without bound: its hand-off, memory
 * tier and unsent frames are bounded by its configuration, and the spill thread writes all of it (past the quota if
 * need be, never past the free-space margin), so nothing the relay acknowledged is dropped at close. While it runs, a
 * durable tier keeps that much free space beyond the margin ({@code closeReserveBytes}), so that the hand-over finds
 * room on a nearly full disk too.
 * <p>
 * <b>Damage.</b> Frames the store cannot read back (see {@code SpillStore}'s damage handling) are announced to the
 * subscriber: the tier notes the last sequence it restored of each source, and when the store reports bytes lost
 * before the record it is reading, it writes a GAP frame (reason {@link DropReason#SPILL_DAMAGE}) before the next frame
 * of each source whose sequences jump, covering the lost range. A source whose last frame before the damage this tier
 * did not restore (damage in the first records after a restart) has no known range; the bytes still count.
 * <p>
 * <b>Failure.</b> An exception or error from the disk work fails the tier through one path, {@link #fail}: the stores
 * close (releasing the directory for the subscription's next connection), the spill thread lets go of the queues, and
 * the lane, woken on its event loop, takes back what the tier held in memory, delivers it, and goes on without a disk
 * tier (its on-full policy acts when memory is full).
 */
final class ChronicleDiskTier implements DiskTier
{
    private static final Logger LOG = LoggerFactory.getLogger(ChronicleDiskTier.class);
    // Full and failed tiers warn; a relay with many lanes on a full disk must not flood the log.
    private static final RateLimitedLogger WARNINGS = new RateLimitedLogger(LOG, 5);
    private static final int TO_DISK_RUNS = 64;
    private static final long TO_DISK_BYTES = 4L * 1024 * 1024;
    private static final int FROM_DISK_CHUNKS = 8;
    private static final int CHUNK_BYTES = 64 * 1024;
    private static final int GAP_FRAME_LENGTH = FrameDescriptor.HEADER_LENGTH + Frames.GAP_PAYLOAD_LENGTH;
    // A consumer that keeps up drains the store again and again; starting a file and deleting the drained one cost
    // this thread tens of milliseconds (28 ms and 30 ms measured under load), and even once a second they halved
    // what a spilling lane carried at 1.7 M msg/s. Only a lane whose producers paused for a second rolls.
    private static final long DRAIN_ROLL_IDLE_MILLIS = 1000;
    private static final long MEASURE_INTERVAL_NANOS = 250_000_000L;
    private static final long ROOM_CHECK_INTERVAL_NANOS = 100_000_000L;
    private static final long FULL_WARNING_INTERVAL_NANOS = 60_000_000_000L;

    private final SpillWorker worker;
    private final Path directory;
    private final boolean durable;
    private final long quotaBytes;
    private final int maxFrameLength;
    private final Runnable wakeLane;
    private final ByteBufAllocator alloc;
    private final SpillCounters counters;
    private final UnaryOperator<SpillConfig> storeSettings;
    private final long closeReserveBytes;

    // Lane -> worker, and worker -> lane.
    private final OneToOneConcurrentArrayQueue<ByteBuf> toDisk = new OneToOneConcurrentArrayQueue<>(TO_DISK_RUNS);
    private final AtomicLong toDiskBytes = new AtomicLong();
    private final OneToOneConcurrentArrayQueue<ByteBuf> fromDisk = new OneToOneConcurrentArrayQueue<>(FROM_DISK_CHUNKS);
    // What a closing lane hands over, oldest first: bounded by the lane's configuration, not by these queues.
    private final Queue<ByteBuf> headAtClose = new ConcurrentLinkedQueue<>();
    private final Queue<ByteBuf> tailAtClose = new ConcurrentLinkedQueue<>();

    private volatile boolean opened;
    private volatile boolean full;
    private volatile boolean closing;
    private volatile boolean failed;
    private volatile boolean finished;
    private volatile long backlogBytesAtOpen;
    // Spill thread writes, lane reads: GAP bytes the tier inserted into restored chunks less bytes lost to damage, so
    // that what comes back still adds up to what went in.
    private volatile long restoreAdjustBytes;
    private volatile long diskBytes;
    // Written by the lane's event loop only (published for the metrics).
    private volatile long handedFrames;
    private volatile long restoredFrames;

    // Lane's event loop only.
    private long handedBytes;
    private long restoredBytes;

    // Spill thread only, until fail() hands the chunks read back but not yet handed over to the lane (as leftovers).
    private final ArrayDeque<ByteBuf> ready = new ArrayDeque<>();
    private volatile ArrayDeque<ByteBuf> leftovers;

    // Spill thread only.
    private SpillStore main;
    private final List<SpillStore> heads = new ArrayList<>();
    private final UnsafeBuffer restoreView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer runView = new UnsafeBuffer(0, 0);
    private byte[] runScratch;
    // Damage: the last sequence restored per source, and the first sequence lost per source after damage.
    private final Long2LongHashMap lastSequence = new Long2LongHashMap(-1);
    private final Long2LongHashMap lostFrom = new Long2LongHashMap(-1);
    private final LongLongConsumer markLost = (source, last) -> lostFrom.put(source, last + 1);
    private long damageSeen;
    private long retiredDamage;
    private final int batchBytes;
    private ByteBuf restoring;
    private long lastMeasureNanos;
    private long lastRoomCheckNanos;
    private boolean resetSinceFull;
    private boolean refusing;
    private long lastFullWarningNanos;
    private long fullSpells;
    private long lastHeadNumber;
    private final FrameHandler copier = this::copyRestored;

    ChronicleDiskTier(
        final SpillWorker worker, final Path directory, final boolean durable, final long quotaBytes,
        final int maxFrameLength, final ByteBufAllocator alloc, final Runnable wakeLane, final SpillCounters counters,
        final UnaryOperator<SpillConfig> storeSettings, final long closeReserveBytes)
    {
        this.closeReserveBytes = closeReserveBytes;
        this.maxFrameLength = maxFrameLength;
        this.batchBytes = Math.min(CHUNK_BYTES, maxFrameLength);
        this.worker = worker;
        this.directory = directory;
        this.durable = durable;
        this.quotaBytes = quotaBytes;
        this.alloc = alloc;
        this.wakeLane = wakeLane;
        this.counters = counters;
        this.storeSettings = storeSettings;
        worker.add(this);
    }

    // ---------------------------------------------------------------- lane's event loop

    @Override
    public boolean hasRoom()
    {
        return opened && !full && !failed && !closing && toDiskBytes.get() < TO_DISK_BYTES;
    }

    @Override
    public boolean isFull()
    {
        return full || failed;
    }

    @Override
    public int offer(final ByteBuf run, final int from, final int to, final int frames)
    {
        if (!hasRoom())
        {
            return from;
        }
        final ByteBuf slice = run.retainedSlice(from, to - from);
        if (!toDisk.offer(slice))
        {
            slice.release();
            return from;
        }
        toDiskBytes.addAndGet(to - from);
        handedBytes += to - from;
        handedFrames += frames;
        worker.wake();
        return to;
    }

    @Override
    public ByteBuf pollRestored()
    {
        ByteBuf chunk = fromDisk.poll();
        if (chunk == null && failed)
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

    // After fail(), the lane owns the chunks read back (leftovers) and the consuming end of toDisk: it delivers what
    // the tier took from it and could not store, in order.
    private ByteBuf takeBackAfterFailure()
    {
        final ArrayDeque<ByteBuf> chunks = leftovers;
        if (chunks != null && !chunks.isEmpty())
        {
            return chunks.poll();
        }
        final ByteBuf run = toDisk.poll();
        if (run == null)
        {
            return null;
        }
        toDiskBytes.addAndGet(-run.readableBytes());
        return copyOut(run);
    }

    @Override
    public boolean isEmpty()
    {
        if (failed)
        {
            final ArrayDeque<ByteBuf> chunks = leftovers;
            return fromDisk.isEmpty() && (chunks == null || chunks.isEmpty()) && toDisk.isEmpty();
        }
        return opened && handedBytes + backlogBytesAtOpen + restoreAdjustBytes == restoredBytes;
    }

    @Override
    public long diskBytes()
    {
        return diskBytes;
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
     * Lane's event loop, when the lane closes: frames older than everything on disk (the memory tier's, and
     * restored chunks not yet sent) go to a new head store, so that they are restored first next time.
     */
    @Override
    public void handOverHead(final ByteBuf olderFrames)
    {
        headAtClose.add(olderFrames);
    }

    /**
     * Lane's event loop, when the lane closes: the hand-off's runs are the newest frames; they join the main store.
     */
    @Override
    public void handOverTail(final ByteBuf run)
    {
        tailAtClose.add(run);
    }

    @Override
    public void close()
    {
        // The lane lets go of its ends of the queues: what it has not taken back goes with the hand-over.
        ByteBuf chunk;
        while ((chunk = fromDisk.poll()) != null)
        {
            headAtClose.add(chunk);
        }
        if (failed)
        {
            final ArrayDeque<ByteBuf> chunks = leftovers;
            while (chunks != null && (chunk = chunks.poll()) != null)
            {
                headAtClose.add(chunk);
            }
            while ((chunk = toDisk.poll()) != null)
            {
                toDiskBytes.addAndGet(-chunk.readableBytes());
                tailAtClose.add(chunk);
            }
        }
        closing = true;
        worker.wake();
    }

    @Override
    public boolean isDurable()
    {
        return durable;
    }

    // ---------------------------------------------------------------- spill thread

    boolean isFinished()
    {
        return finished;
    }

    Path directory()
    {
        return directory;
    }

    int doWork()
    {
        if (finished)
        {
            return 0;
        }
        if (failed)
        {
            if (closing)
            {
                finishAfterFailure();
                return 1;
            }
            return 0;
        }
        if (!opened)
        {
            if (worker.heldByAnother(this))
            {
                // The subscription's previous connection has not finished with the directory yet.
                return 0;
            }
            open();
            if (!closing)
            {
                return 1;
            }
        }
        if (closing)
        {
            shutdown();
            return 1;
        }
        int work = append();
        if (work > 0)
        {
            // Room in the hand-over again: the lane may have runs waiting for it.
            wakeLane();
        }
        work += restore();
        final long now = System.nanoTime();
        if (full && toDisk.isEmpty() && now - lastRoomCheckNanos > ROOM_CHECK_INTERVAL_NANOS)
        {
            lastRoomCheckNanos = now;
            work += lookForRoom();
        }
        // Measuring disk use costs system calls: a few times a second is plenty for a gauge and the log.
        if (now - lastMeasureNanos > MEASURE_INTERVAL_NANOS)
        {
            lastMeasureNanos = now;
            lookAtDrainedStore();
            shareQuota();
            diskBytes = totalDiskBytes();
            // What the lane restores next is in the reader's file; what lies beyond it, once on disk, need not stay in
            // memory (see SpillStore.dropCachedPages).
            main.dropCachedPages();
        }
        return work;
    }

    // A drained store starts a new file (so that the drained one can be deleted) when a read finds it empty and nothing
    // was appended for DRAIN_ROLL_IDLE_MILLIS; restore() reads only stores that hold something, so look again now and
    // then.
    private void lookAtDrainedStore()
    {
        if (!main.isEmpty() || !heads.isEmpty() || !ready.isEmpty())
        {
            return;
        }
        restoring = alloc.directBuffer(CHUNK_BYTES);
        main.read(copier, 1);
        if (restoring.isReadable())
        {
            // Not expected (the store said it was empty), but never lose what a read delivers.
            ready.add(restoring);
        }
        else
        {
            restoring.release();
        }
        restoring = null;
    }

    // The store refused and the lane has handed nothing since: is there room again?
    private int lookForRoom()
    {
        int status = main.room(batchBytes);
        if (status == SpillStore.QUOTA_EXCEEDED && !resetSinceFull && heads.isEmpty() && main.isEmpty() &&
            ready.isEmpty())
        {
            // Everything on disk was consumed, yet the quota is still taken (the drained cycle file is the one
            // appends go to, and a new one has no room). An empty store holds nothing to keep: start it afresh, once.
            resetSinceFull = true;
            final Path mainDir = directory.resolve("main");
            retiredDamage += main.damagedBytes();
            main.close();
            deleteTree(mainDir);
            main = SpillStore.open(config(mainDir));
            main.reserveBytes(closeReserveBytes);
            shareQuota();
            status = main.room(batchBytes);
        }
        if (status != SpillStore.OK)
        {
            return 0;
        }
        roomAgain();
        wakeLane();
        return 1;
    }

    private void roomAgain()
    {
        if (full)
        {
            full = false;
            resetSinceFull = false;
            LOG.debug("disk tier {} takes messages again", directory);
        }
    }

    private void open()
    {
        try
        {
            Files.createDirectories(directory);
            try (Stream<Path> entries = Files.list(directory))
            {
                final List<Path> headDirs = entries
                    .filter(p -> p.getFileName().toString().startsWith("head-"))
                    .sorted(Comparator.comparingLong(ChronicleDiskTier::headNumber).reversed())
                    .toList();
                for (final Path head : headDirs)
                {
                    heads.add(SpillStore.open(config(head)));
                    lastHeadNumber = Math.max(lastHeadNumber, headNumber(head));
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        main = SpillStore.open(config(directory.resolve("main")));
        main.reserveBytes(closeReserveBytes);
        shareQuota();
        long records = 0;
        long bytes = 0;
        long damaged = 0;
        for (final SpillStore store : stores())
        {
            records += store.backlogMessages();
            bytes += store.backlogBytes();
            damaged += store.damagedBacklogBytes();
        }
        backlogBytesAtOpen = bytes;
        diskBytes = totalDiskBytes();
        if (records > 0)
        {
            // Frames are not counted at open (that would read the backlog); bytes are exact (what damage destroyed is
            // known from the records' offsets), records are batches.
            LOG.info("disk tier {} opened with {} bytes of messages waiting ({} records)", directory, bytes - damaged,
                records);
        }
        if (damaged > 0)
        {
            WARNINGS.warn("disk tier {}: {} bytes of messages recorded on disk are lost to damaged files; the " +
                "subscriber gets GAP frames for them where the ranges are known", directory, damaged);
        }
        opened = true;
        wakeLane();
    }

    private SpillConfig config(final Path dir)
    {
        return storeSettings.apply(SpillConfig.of(dir, quotaBytes).withMaxFrameLength(maxFrameLength)
            .withDrainRollIdleMillis(DRAIN_ROLL_IDLE_MILLIS));
    }

    // The quota is the lane's: the main store may take what the head stores (only ever read, so only shrinking) leave.
    private void shareQuota()
    {
        long headBytes = 0;
        for (final SpillStore head : heads)
        {
            headBytes += head.diskBytes();
        }
        main.quotaBytes(quotaBytes - headBytes);
    }

    private static long headNumber(final Path head)
    {
        try
        {
            return Long.parseLong(head.getFileName().toString().substring("head-".length()));
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }

    // One record per batch: the whole run when it fits a batch (no look at its frames), else batches cut at frame
    // boundaries. A run the store refuses stays at the head of the hand-over.
    private int append()
    {
        int work = 0;
        ByteBuf run;
        while ((run = toDisk.peek()) != null)
        {
            final int start = run.readerIndex();
            final int end = run.writerIndex();
            int index = start;
            int status = SpillStore.OK;
            while (index < end)
            {
                final int length = batchLength(run, index, end, batchBytes);
                status = main.append(run, index, length);
                if (status != SpillStore.OK)
                {
                    break;
                }
                index += length;
                work++;
            }
            toDiskBytes.addAndGet(-(index - start));
            if (status != SpillStore.OK)
            {
                run.readerIndex(index);
                onRefused(status);
                return work;
            }
            toDisk.poll();
            run.release();
            roomAgain();
        }
        return work;
    }

    private void onRefused(final int status)
    {
        if (!full)
        {
            full = true;
            final long now = System.nanoTime();
            lastRoomCheckNanos = now;
            // A tier at its quota whose subscriber keeps up fills and drains many times a second: one line a minute.
            fullSpells++;
            if (now - lastFullWarningNanos >= FULL_WARNING_INTERVAL_NANOS || lastFullWarningNanos == 0)
            {
                lastFullWarningNanos = now;
                WARNINGS.warn("disk tier {} full ({}; {} time(s) since this was last logged): the lane delivers " +
                    "from memory and its on-full policy acts until there is room again", directory,
                    status == SpillStore.QUOTA_EXCEEDED ? "quota of " + main.quotaBytes() + " bytes reached" :
                    "free space below the margin of " + main.freeSpaceMarginBytes() + " bytes", fullSpells);
                fullSpells = 0;
            }
        }
    }

    /**
     * @return bytes of the batch starting at {@code from}: whole frames up to {@code limit} bytes, at least one frame.
     */
    static int batchLength(final ByteBuf frames, final int from, final int to, final int limit)
    {
        if (to - from <= limit)
        {
            return to - from;
        }
        int end = from + Frames.frameLength(frames, from);
        int next;
        while (end < to && (next = end + Frames.frameLength(frames, end)) - from <= limit)
        {
            end = next;
        }
        return end - from;
    }

    private int restore()
    {
        int work = 0;
        while (true)
        {
            // Hand back what is ready, in order, as far as the queue has room; read more only once all is handed.
            ByteBuf chunk;
            while ((chunk = ready.peek()) != null && fromDisk.offer(chunk))
            {
                ready.poll();
                wakeLane();
            }
            if (!ready.isEmpty())
            {
                return work;
            }
            final SpillStore source = nextSource();
            if (source == null)
            {
                if (!full || !passThrough())
                {
                    return work;
                }
                work++;
                continue;
            }
            // One chunk per call: as many records as fit (a batch fills it alone; single-frame records of earlier
            // versions take hundreds), so that the chunks in flight stay FROM_DISK_CHUNKS plus one. A read that finds
            // the store empty is what lets it start a new file and delete the drained one.
            restoring = alloc.directBuffer(CHUNK_BYTES);
            final int read = source.read(copier, Integer.MAX_VALUE, CHUNK_BYTES);
            // Damage at the end of a store has no record after it: count it now.
            checkDamage();
            if (restoring.isReadable())
            {
                ready.add(restoring);
            }
            else
            {
                restoring.release();
            }
            restoring = null;
            work += read;
            if (read == 0)
            {
                return work;
            }
        }
    }

    // The store refused the run at the head of the hand-over and holds nothing ahead of it: the run goes back to the
    // lane as a restored chunk, so a lane whose disk cannot take anything still delivers, in order, what it accepted.
    private boolean passThrough()
    {
        final ByteBuf run = toDisk.peek();
        if (run == null)
        {
            return false;
        }
        final int bytes = run.readableBytes();
        if (run.hasMemoryAddress())
        {
            runView.wrap(run.memoryAddress() + run.readerIndex(), bytes);
        }
        else
        {
            if (runScratch == null || runScratch.length < bytes)
            {
                runScratch = new byte[Math.max(bytes, CHUNK_BYTES)];
            }
            run.getBytes(run.readerIndex(), runScratch, 0, bytes);
            runView.wrap(runScratch, 0, bytes);
        }
        restoring = alloc.directBuffer(bytes);
        copyFrames(runView, 0, bytes);
        ready.add(restoring);
        restoring = null;
        toDisk.poll();
        toDiskBytes.addAndGet(-bytes);
        run.release();
        return true;
    }

    // Lane's event loop, after a failure: a chunk of its own for what is left of a run, and the run released (the run
    // is a slice of a producer's read buffer that other lanes share, and a lane's drop stage may rewrite a restored
    // chunk in place).
    private ByteBuf copyOut(final ByteBuf run)
    {
        final int bytes = run.readableBytes();
        final ByteBuf chunk = alloc.directBuffer(bytes);
        chunk.writeBytes(run, run.readerIndex(), bytes);
        run.release();
        return chunk;
    }

    // A record (whole frames) that does not fit the chunk being filled starts a chunk of its own size.
    private void copyRestored(final DirectBuffer buffer, final int offset, final int length)
    {
        // Bytes the store counted as lost were before this record.
        checkDamage();
        if (restoring.writableBytes() < length)
        {
            if (restoring.isReadable())
            {
                ready.add(restoring);
            }
            else
            {
                restoring.release();
            }
            restoring = alloc.directBuffer(Math.max(CHUNK_BYTES, length));
        }
        copyFrames(buffer, offset, length);
    }

    /**
     * Copies whole frames into the chunk being filled, noting the last sequence of each source, and after damage
     * writing a GAP before the first frame of a source whose sequences jump. No allocation; the walk reads three fields
     * per frame and touches the map only where the source changes.
     */
    private void copyFrames(final DirectBuffer buffer, final int offset, final int length)
    {
        restoring.ensureWritable(length + lostFrom.size() * GAP_FRAME_LENGTH);
        final int end = offset + length;
        int copied = offset;
        long runSource = Long.MIN_VALUE;
        long runLast = -1;
        for (int i = offset; i < end; )
        {
            final int frameLength = buffer.getInt(i + FrameDescriptor.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
            if (frameLength < FrameDescriptor.HEADER_LENGTH || frameLength > end - i)
            {
                // Not whole frames (never written so): copied as they are, without a walk.
                break;
            }
            final long source = buffer.getInt(i + FrameDescriptor.SOURCE_ID_OFFSET, ByteOrder.BIG_ENDIAN);
            final long sequence = buffer.getLong(i + FrameDescriptor.SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN);
            if (source != runSource)
            {
                if (runSource != Long.MIN_VALUE)
                {
                    lastSequence.put(runSource, runLast);
                }
                runSource = source;
                if (!lostFrom.isEmpty())
                {
                    final long from = lostFrom.remove(source);
                    if (from >= 0 && sequence > from)
                    {
                        copyBytes(buffer, copied, i - copied);
                        copied = i;
                        announceLost(buffer.getInt(i + FrameDescriptor.STREAM_ID_OFFSET, ByteOrder.BIG_ENDIAN),
                            (int)source, from, sequence - 1);
                    }
                }
            }
            runLast = buffer.getByte(i + FrameDescriptor.TYPE_OFFSET) == FrameType.GAP ?
                buffer.getLong(i + FrameDescriptor.GAP_TO_SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN) : sequence;
            i += frameLength;
        }
        if (runSource != Long.MIN_VALUE)
        {
            lastSequence.put(runSource, runLast);
        }
        copyBytes(buffer, copied, end - copied);
    }

    private void copyBytes(final DirectBuffer buffer, final int offset, final int length)
    {
        final int at = restoring.writerIndex();
        restoreView.wrap(restoring.memoryAddress() + at, length);
        buffer.getBytes(offset, restoreView, 0, length);
        restoring.writerIndex(at + length);
    }

    private void announceLost(final int streamId, final int source, final long from, final long to)
    {
        Frames.writeGap(restoring, streamId, source, from, to, to - from + 1, DropReason.SPILL_DAMAGE,
            EpochClock.nanos());
        restoreAdjustBytes += GAP_FRAME_LENGTH;
        counters.onDamagedMessagesAnnounced(to - from + 1);
    }

    // The stores count bytes lost to damage as their reader passes it: every source restored so far may have lost
    // frames there, from the one after its last restored on.
    private void checkDamage()
    {
        long damage = retiredDamage;
        for (final SpillStore store : heads)
        {
            damage += store.damagedBytes();
        }
        damage += main.damagedBytes();
        if (damage > damageSeen)
        {
            final long lost = damage - damageSeen;
            damageSeen = damage;
            counters.onDamaged(lost);
            restoreAdjustBytes -= lost;
            lastSequence.forEachLong(markLost);
        }
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
            LOG.debug("disk tier {}: the lane's event loop has stopped", directory);
        }
    }

    private SpillStore nextSource()
    {
        while (!heads.isEmpty())
        {
            final SpillStore head = heads.get(0);
            if (!head.isEmpty())
            {
                return head;
            }
            heads.remove(0);
            retiredDamage += head.damagedBytes();
            head.close();
            deleteQuietly(head);
            shareQuota();
        }
        return main.isEmpty() ? null : main;
    }

    private long totalDiskBytes()
    {
        long bytes = main == null ? 0 : main.diskBytes();
        for (final SpillStore head : heads)
        {
            bytes += head.diskBytes();
        }
        return bytes;
    }

    /**
     * Spill thread, when the lane has closed or the relay stops: a durable tier writes everything the lane handed over
     * (the quota does not apply: the lane's configuration bounds it), then the stores close; a tier that is not durable
     * deletes its folder.
     */
    void shutdown()
    {
        if (finished)
        {
            return;
        }
        if (failed)
        {
            finishAfterFailure();
            return;
        }
        if (durable)
        {
            if (!opened)
            {
                // The lane closed before its tier had opened: what it handed over is kept all the same.
                open();
            }
            keepWhatTheLaneHeld();
        }
        closeStores();
        releaseAll();
        if (!durable)
        {
            deleteTree(directory);
        }
        finished = true;
    }

    private void keepWhatTheLaneHeld()
    {
        main.quotaBytes(Long.MAX_VALUE);
        main.reserveBytes(0);
        refusing = false;
        long refused = appendInOrder(main, toDisk) + appendInOrder(main, tailAtClose);
        toDiskBytes.set(0);
        if (!headAtClose.isEmpty() || !fromDisk.isEmpty() || !ready.isEmpty())
        {
            // Oldest first: the lane's unsent frames, memory tier and the chunks it had not sent (all in headAtClose),
            // then chunks this thread handed back after the lane's last look, then those read but not handed over.
            final SpillStore head = SpillStore.open(config(directory.resolve("head-" + (lastHeadNumber + 1))));
            heads.add(head);
            head.quotaBytes(Long.MAX_VALUE);
            refusing = false;
            refused += appendInOrder(head, headAtClose) + appendInOrder(head, fromDisk) + appendInOrder(head, ready);
        }
        if (refused > 0)
        {
            counters.onLost(refused);
            LOG.error("disk tier {}: {} bytes of messages the lane held at close could not be written (free space " +
                "below the margin of {} bytes) and are lost", directory, refused, main.freeSpaceMarginBytes());
        }
    }

    /**
     * Appends the chunks' frames in batches; once the store refuses one, the rest goes with it, so that what is kept
     * stays in order with one hole at most, never a scatter of batches that happened to fit.
     *
     * @return bytes refused; every chunk is released.
     */
    private long appendInOrder(final SpillStore store, final Queue<ByteBuf> chunks)
    {
        long refused = 0;
        ByteBuf chunk;
        while ((chunk = chunks.poll()) != null)
        {
            final int end = chunk.writerIndex();
            for (int i = chunk.readerIndex(), length; i < end; i += length)
            {
                length = batchLength(chunk, i, end, batchBytes);
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

    /**
     * Spill thread: the disk work threw. The one way a tier fails: its stores close (so that the subscription's next
     * connection can open them), the chunks read back go to the lane with the consuming end of the hand-over, and the
     * lane is woken to deliver them and go on from memory. Frames that stay on disk wait for a durable subscription's
     * next connection; a tier without a durable name loses them.
     */
    void fail(final Throwable cause)
    {
        if (failed)
        {
            // Failed again while finishing after a failure: give up on the rest, quietly.
            finished = true;
            return;
        }
        long stranded = 0;
        for (final SpillStore store : stores())
        {
            stranded += backlogBytes(store);
        }
        closeStores();
        if (restoring != null)
        {
            // Records copied into it are consumed in the store: they must reach the lane.
            if (restoring.isReadable())
            {
                ready.add(restoring);
            }
            else
            {
                restoring.release();
            }
            restoring = null;
        }
        leftovers = ready;
        failed = true;
        counters.onFailure();
        if (!durable)
        {
            counters.onLost(stranded);
        }
        LOG.error("disk tier {} failed; its lane delivers what it holds in memory and falls back to its on-full " +
            "policy; {} bytes of messages on disk {}", directory, stranded, durable ?
            "stay there for the subscription's next connection" : "are lost", cause);
        wakeLane();
    }

    // The lane has closed (see close()): everything it handed over or left behind is this thread's to release.
    private void finishAfterFailure()
    {
        long lost = releaseAll(headAtClose) + releaseAll(tailAtClose) + releaseAll(toDisk) + releaseAll(fromDisk);
        final ArrayDeque<ByteBuf> chunks = leftovers;
        if (chunks != null)
        {
            lost += releaseAll(chunks);
        }
        if (lost > 0)
        {
            counters.onLost(lost);
            WARNINGS.warn("disk tier {} had failed: {} bytes of messages its lane held at close are lost", directory,
                lost);
        }
        if (!durable)
        {
            deleteTree(directory);
        }
        finished = true;
    }

    private List<SpillStore> stores()
    {
        final List<SpillStore> stores = new ArrayList<>(heads);
        if (main != null)
        {
            stores.add(main);
        }
        return stores;
    }

    private static long backlogBytes(final SpillStore store)
    {
        try
        {
            return store.backlogBytes();
        }
        catch (final RuntimeException ex)
        {
            return 0;
        }
    }

    private void closeStores()
    {
        for (final SpillStore store : stores())
        {
            try
            {
                store.close();
            }
            catch (final RuntimeException | Error ex)
            {
                LOG.warn("disk tier {}: closing {}: {}", directory, store.config().directory(), ex.toString());
            }
        }
        heads.clear();
        main = null;
    }

    private void releaseAll()
    {
        releaseAll(toDisk);
        toDiskBytes.set(0);
        releaseAll(headAtClose);
        releaseAll(tailAtClose);
        releaseAll(fromDisk);
        releaseAll(ready);
        if (restoring != null)
        {
            restoring.release();
            restoring = null;
        }
    }

    /** @return bytes released. */
    private static long releaseAll(final Queue<ByteBuf> buffers)
    {
        long bytes = 0;
        ByteBuf buf;
        while ((buf = buffers.poll()) != null)
        {
            bytes += buf.readableBytes();
            buf.release();
        }
        return bytes;
    }

    private void deleteQuietly(final SpillStore store)
    {
        deleteTree(store.config().directory());
    }

    static void deleteTree(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException | UncheckedIOException ex)
        {
            LOG.warn("could not delete {}: {}", dir, ex.toString());
        }
    }

    @Override
    public String toString()
    {
        return directory.toString();
    }
}
