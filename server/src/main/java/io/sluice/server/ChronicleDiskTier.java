package io.sluice.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.Frames;
import io.sluice.spill.FrameHandler;
import io.sluice.spill.SpillConfig;
import io.sluice.spill.SpillStore;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A lane's disk tier on Chronicle Queue. The lane's event loop hands runs of frames over and takes restored
 * frames back through two bounded single-producer queues; the {@link SpillWorker} thread does the disk work.
 * <p>
 * On disk, a tier is a folder holding a {@code main} store (FIFO of what the lane spilled) and zero or more
 * {@code head-N} stores. A head store holds frames that were older than everything in {@code main} when the lane
 * closed (its memory tier, and frames restored but not yet sent); they must go out first, so heads are restored
 * newest-first, before {@code main}. A durable subscription's folder survives the lane, so its backlog reaches
 * the subscriber when it reconnects under the same name, after a graceful restart or a kill -9.
 * <p>
 * A store record holds a <em>batch</em>: frames back to back, up to {@link #CHUNK_BYTES} (or one larger frame
 * alone). Chronicle's cost is per document (header, index, and its recomputing of the last sequence number on each
 * append), so one document per run instead of one per frame is what lets a spilling lane keep up with memory-only;
 * a restored batch is copied into a chunk as one block. Stores written one frame per record (earlier versions)
 * read the same way: a record is always whole frames. The tier therefore counts its backlog in bytes, which the
 * store keeps exact across restarts, and counts frames only on the lane's side.
 */
final class ChronicleDiskTier implements DiskTier
{
    private static final Logger LOG = LoggerFactory.getLogger(ChronicleDiskTier.class);
    private static final int TO_DISK_RUNS = 64;
    private static final long TO_DISK_BYTES = 4L * 1024 * 1024;
    private static final int FROM_DISK_CHUNKS = 8;
    private static final int CHUNK_BYTES = 64 * 1024;
    // A consumer that keeps up drains the store again and again; starting a file and deleting the drained one cost
    // this thread tens of milliseconds (28 ms and 30 ms measured under load), and even once a second they halved
    // what a spilling lane carried at 1.7 M msg/s. Only a lane whose producers paused for a second rolls.
    private static final long DRAIN_ROLL_IDLE_MILLIS = 1000;

    private final SpillWorker worker;
    private final Path directory;
    private final boolean durable;
    private final long quotaBytes;
    private final int maxFrameLength;
    private final Runnable wakeLane;
    private final ByteBufAllocator alloc;

    // Lane -> worker, and worker -> lane.
    private final OneToOneConcurrentArrayQueue<ByteBuf> toDisk = new OneToOneConcurrentArrayQueue<>(TO_DISK_RUNS);
    private final AtomicLong toDiskBytes = new AtomicLong();
    private final OneToOneConcurrentArrayQueue<ByteBuf> fromDisk = new OneToOneConcurrentArrayQueue<>(FROM_DISK_CHUNKS);
    private final OneToOneConcurrentArrayQueue<ByteBuf> toHead = new OneToOneConcurrentArrayQueue<>(1024);

    private volatile boolean opened;
    private volatile boolean full;
    private volatile boolean closing;
    private volatile boolean finished;
    private volatile long backlogBytesAtOpen;
    private volatile long diskBytes;
    // Written by the lane's event loop only (published for the metrics).
    private volatile long handedFrames;
    private volatile long restoredFrames;

    // Lane's event loop only.
    private long handedBytes;
    private long restoredBytes;

    // Spill thread only.
    private SpillStore main;
    private final List<SpillStore> heads = new ArrayList<>();
    private final UnsafeBuffer restoreView = new UnsafeBuffer(0, 0);
    private final int batchBytes;
    private ByteBuf restoring;
    private long lastDiskMeasureNanos;
    private int largestRecord = FrameDescriptor.HEADER_LENGTH;
    private long lastHeadNumber;
    private final java.util.ArrayDeque<ByteBuf> ready = new java.util.ArrayDeque<>();
    private final FrameHandler copier = this::copyRestored;

    ChronicleDiskTier(
        final SpillWorker worker, final Path directory, final boolean durable, final long quotaBytes,
        final int maxFrameLength, final ByteBufAllocator alloc, final Runnable wakeLane)
    {
        this.maxFrameLength = maxFrameLength;
        this.batchBytes = Math.min(CHUNK_BYTES, maxFrameLength);
        this.worker = worker;
        this.directory = directory;
        this.durable = durable;
        this.quotaBytes = quotaBytes;
        this.alloc = alloc;
        this.wakeLane = wakeLane;
        worker.add(this);
    }

    // ---------------------------------------------------------------- lane's event loop

    @Override
    public boolean hasRoom()
    {
        return opened && !full && !closing && toDiskBytes.get() < TO_DISK_BYTES;
    }

    @Override
    public boolean isFull()
    {
        return full;
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
        final ByteBuf chunk = fromDisk.poll();
        if (chunk != null)
        {
            restoredBytes += chunk.readableBytes();
            restoredFrames += Frames.count(chunk);
            worker.wake();
        }
        return chunk;
    }

    @Override
    public boolean isEmpty()
    {
        return opened && handedBytes + backlogBytesAtOpen == restoredBytes;
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
        if (!toHead.offer(olderFrames))
        {
            LOG.warn("lane {} closing: more head chunks than the hand-over holds; {} bytes not kept", directory,
                olderFrames.readableBytes());
            olderFrames.release();
        }
    }

    /**
     * Lane's event loop, when the lane closes: the hand-off's runs are the newest frames; they join the main store.
     */
    @Override
    public void handOverTail(final ByteBuf run)
    {
        if (!toDisk.offer(run))
        {
            LOG.warn("lane {} closing: the hand-over to disk is full; {} bytes not kept", directory, run.readableBytes());
            run.release();
            return;
        }
        toDiskBytes.addAndGet(run.readableBytes());
    }

    @Override
    public void close()
    {
        ByteBuf chunk;
        while ((chunk = fromDisk.poll()) != null)
        {
            handOverHead(chunk);
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

    int doWork()
    {
        if (!opened)
        {
            open();
            return 1;
        }
        int work = append();
        if (work > 0)
        {
            // Room in the hand-over again: the lane may have runs waiting for it.
            wakeLane();
        }
        if (closing)
        {
            shutdown();
            return work + 1;
        }
        work += restore();
        if (full && heads.isEmpty() && main.isEmpty())
        {
            // Everything on disk was consumed, yet the quota is still taken (the drained cycle file is the one
            // appends go to, and a new one has no room). An empty store holds nothing to keep: start it afresh.
            final Path mainDir = directory.resolve("main");
            main.close();
            deleteTree(mainDir);
            main = SpillStore.open(config(mainDir));
            full = false;
            work++;
        }
        // Measuring disk use costs system calls: a few times a second is plenty for a gauge and the log.
        final long now = System.nanoTime();
        if (now - lastDiskMeasureNanos > 250_000_000L)
        {
            lastDiskMeasureNanos = now;
            lookAtDrainedStore();
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
        long records = main.backlogMessages();
        long bytes = main.backlogBytes();
        for (final SpillStore head : heads)
        {
            records += head.backlogMessages();
            bytes += head.backlogBytes();
        }
        backlogBytesAtOpen = bytes;
        diskBytes = totalDiskBytes();
        if (records > 0)
        {
            // Frames are not counted at open (that would read the backlog); bytes are exact, records are batches.
            LOG.info("disk tier {} opened with {} bytes of messages waiting ({} records)", directory, bytes, records);
        }
        opened = true;
        wakeLane();
    }

    private SpillConfig config(final Path dir)
    {
        return SpillConfig.of(dir, quotaBytes).withMaxFrameLength(maxFrameLength)
            .withDrainRollIdleMillis(DRAIN_ROLL_IDLE_MILLIS);
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
    // boundaries.
    private int append()
    {
        int work = 0;
        ByteBuf run;
        while ((run = toDisk.peek()) != null)
        {
            final int start = run.readerIndex();
            final int end = run.writerIndex();
            int index = start;
            while (index < end)
            {
                final int length = batchLength(run, index, end, batchBytes);
                final int status = main.append(run, index, length);
                if (status != SpillStore.OK)
                {
                    if (!full)
                    {
                        LOG.warn("disk tier {} full ({}): the lane falls back to its on-full policy", directory,
                            status == SpillStore.QUOTA_EXCEEDED ? "quota " + quotaBytes + " bytes reached" :
                            "free space below the margin");
                    }
                    full = true;
                    run.readerIndex(index);
                    toDiskBytes.addAndGet(-(index - start));
                    return work;
                }
                index += length;
                work++;
            }
            toDisk.poll();
            toDiskBytes.addAndGet(-(end - start));
            run.release();
            full = false;
        }
        return work;
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
                return work;
            }
            // Many records per call (each call has a fixed cost), but at most one chunk's worth of the largest record
            // seen and never more than 64, so a run of big records cannot balloon the chunks in flight. Batches
            // fill a chunk by themselves; single-frame records (earlier versions, head stores) take many per chunk.
            final int limit = Math.max(1, Math.min(64, CHUNK_BYTES / largestRecord));
            restoring = alloc.directBuffer(CHUNK_BYTES);
            int read = 0;
            int n;
            // Fill the chunk: a few hundred small frames per chunk keep the lane's writes large. Once the store is
            // empty, read it once more: a read that finds it empty is what lets it start a new file and delete the
            // drained one (returns 0, delivers nothing).
            while ((n = source.read(copier, limit)) > 0)
            {
                read += n;
                if ((!ready.isEmpty() || restoring.writableBytes() < largestRecord * limit) && !source.isEmpty())
                {
                    break;
                }
            }
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

    // A record (whole frames) that does not fit the chunk being filled starts a chunk of its own size.
    private void copyRestored(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length > largestRecord)
        {
            largestRecord = length;
        }
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
        final int at = restoring.writerIndex();
        restoreView.wrap(restoring.memoryAddress() + at, length);
        buffer.getBytes(offset, restoreView, 0, length);
        restoring.writerIndex(at + length);
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
            head.close();
            deleteQuietly(head);
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
     * Spill thread: finish the hand-overs and close the stores; a tier that is not durable deletes its folder.
     */
    void shutdown()
    {
        if (finished)
        {
            return;
        }
        if (main != null)
        {
            append();
            if (durable && (!toHead.isEmpty() || !fromDisk.isEmpty() || !ready.isEmpty()))
            {
                // Oldest first: the lane's memory tier and the chunks it had not sent (both in toHead), then chunks
                // this thread handed back after the lane's last look (the lane no longer takes from fromDisk once it
                // has closed us), then the chunks read back but not handed over yet.
                final SpillStore head = SpillStore.open(config(directory.resolve("head-" + (lastHeadNumber + 1))));
                long refused = appendAll(head, toHead, batchBytes) + appendAll(head, fromDisk, batchBytes)
                    + appendAll(head, ready, batchBytes);
                if (refused > 0)
                {
                    LOG.warn("disk tier {}: {} frames did not fit the head store's quota and are lost", directory, refused);
                }
                head.close();
            }
            main.close();
            for (final SpillStore head : heads)
            {
                head.close();
            }
        }
        releaseAll();
        if (!durable)
        {
            deleteTree(directory);
        }
        finished = true;
    }

    private static long appendAll(final SpillStore store, final java.util.Queue<ByteBuf> chunks, final int batchBytes)
    {
        long refused = 0;
        ByteBuf chunk;
        while ((chunk = chunks.poll()) != null)
        {
            final int end = chunk.writerIndex();
            for (int i = chunk.readerIndex(), length; i < end; i += length)
            {
                length = batchLength(chunk, i, end, batchBytes);
                if (store.append(chunk, i, length) != SpillStore.OK)
                {
                    refused += Frames.count(chunk, i, i + length);
                }
            }
            chunk.release();
        }
        return refused;
    }

    void fail(final RuntimeException ex)
    {
        full = true;
        releaseAll();
        finished = true;
    }

    private void releaseAll()
    {
        ByteBuf buf;
        while ((buf = toDisk.poll()) != null)
        {
            buf.release();
        }
        while ((buf = toHead.poll()) != null)
        {
            buf.release();
        }
        while ((buf = fromDisk.poll()) != null)
        {
            buf.release();
        }
        if (restoring != null)
        {
            restoring.release();
            restoring = null;
        }
        while ((buf = ready.poll()) != null)
        {
            buf.release();
        }
    }

    private void deleteQuietly(final SpillStore store)
    {
        deleteTree(store.config().directory());
    }

    private static void deleteTree(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ex)
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
