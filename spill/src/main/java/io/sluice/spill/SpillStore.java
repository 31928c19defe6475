package io.sluice.spill;

import io.netty.buffer.ByteBuf;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.sluice.spill.SpillFailures.closeQuietly;

/**
 * The disk tier of a relay subscriber lane: a bounded, ordered, durable FIFO of frames on Chronicle Queue.
 *
 * <h2>Threading</h2>
 * A store is confined to the thread that called {@link #open(SpillConfig)}: {@link #append}, {@link #read} and
 * {@link #close} must all be called from it (the relay's dedicated spill thread, never a Netty event loop: file growth,
 * rolls and deletions block for milliseconds). Each method marked <em>owner thread only</em> checks this, and that
 * the store is open: called from any other thread, or after {@link #close()}, it throws {@link IllegalStateException}.
 * The gauges ({@link #backlogMessages()}, {@link #backlogBytes()}, {@link #damagedSkipped()}, {@link #isEmpty()},
 * {@link #diskBytes()}) may be read from any thread; they are then possibly a few frames stale.
 *
 * <h2>Order and consumption</h2>
 * {@link #read} delivers frames in exactly the order {@link #append} accepted them, each once. A frame is
 * <em>consumed</em> when its {@link FrameHandler#onFrame} call returns normally: the durable read position is advanced
 * right then, not at the end of the {@code read} call; if {@code onFrame} throws, that frame comes first in the next
 * {@code read}. After {@link #close()} and {@link #open}, reading resumes at the first frame not consumed: exactly
 * once. After a killed process (kill -9, crash) every append that returned {@link #OK} is there (a frame being
 * appended at the kill is complete or absent), and the frame whose {@code onFrame} was running may come again:
 * at-least-once, at most one duplicate per crash. After a power loss or kernel crash nothing is guaranteed: nothing is
 * fsync'ed. The table is in docs/spill.md, <em>Guarantees</em>.
 *
 * <h2>Acknowledged reads</h2>
 * With {@link SpillConfig#acknowledgedReads()} a frame delivered is not yet consumed: {@link #read} moves a reading
 * cursor, and the kept position, where a reopened store starts and which file deletion does not pass, stays at the
 * oldest record delivered and not released. {@link #release(int, long)} moves it past the oldest records delivered and
 * keeps the owner's tag with it ({@link #releasedTag()}); a kill -9 at any instant, a release included, reopens the
 * store at exactly the record that tag belongs to, so every record not released is read again. The backlog gauges
 * count from the reading cursor (what is not yet read); {@link #diskBytes()} and the quota count every file, records
 * not released included.
 *
 * <h2>Bounds</h2>
 * {@link #append} returns {@link #QUOTA_EXCEEDED} when the frame, plus the room Chronicle may need with it
 * ({@code DiskBudget} lists it), would take the store's allocated disk use above {@link SpillConfig#quotaBytes()}, and
 * {@link #DISK_FULL} when the file system's usable space would drop below {@link SpillConfig#freeSpaceMarginBytes()}
 * (a full disk under a mapped file kills the JVM with SIGBUS). A refused append writes nothing. Cycle files are deleted
 * once the reader has left them, and a drained store starts a new file so that the drained one can go too
 * (docs/spill.md, <em>Deletion</em>).
 *
 * <h2>Damage</h2>
 * Every record carries a logical byte offset and a checksum ({@link SpillRecordDescriptor}); no record that fails them
 * is delivered. Damage never blocks {@link #open} or {@link #read}: the damaged part is skipped and counted in
 * {@link #damagedSkipped()} and {@link #damagedBytes()}, a WARN names the file once, and the rest of the file is
 * scanned for whole records ({@code DamageScanner}), so a hole costs only the records it destroyed. A damaged
 * {@code metadata.cq4t} is replaced, losing the read position (the undeleted frames are delivered again). Each
 * {@code open} starts a new cycle file, so appends never go to a file an earlier session wrote.
 *
 * <h2>Inside</h2>
 * A facade that wires the parts and checks the calling thread: {@code SpillAppender} appends and rolls,
 * {@code SpillReader} reads and gets past damage, {@code BacklogRecovery} counts the backlog at open without reading
 * it, {@code SpillStoreFiles} deletes finished and unloadable files. No allocation per frame on either path.
 */
public final class SpillStore implements AutoCloseable
{
    /** The frame was appended. */
    public static final int OK = DiskBudget.OK;

    /** Refused, nothing written: the append would take disk use above {@link SpillConfig#quotaBytes()}. */
    public static final int QUOTA_EXCEEDED = DiskBudget.QUOTA_EXCEEDED;

    /** Refused, nothing written: usable space would drop below {@link SpillConfig#freeSpaceMarginBytes()}. */
    public static final int DISK_FULL = DiskBudget.DISK_FULL;

    /** What {@link #releasedTag()} returns when no release is kept: {@link Long#MIN_VALUE}. */
    public static final long NO_TAG = Long.MIN_VALUE;

    /** Name of the lock file that keeps a second store (in this or another process) off the directory. */
    public static final String LOCK_FILE_NAME = "spill.lock";

    private static final Logger LOG = LoggerFactory.getLogger(SpillStore.class);

    private final SpillConfig config;
    private final Path directory;
    private final Thread owner;
    private final SpillDirectoryLock lock;
    private final DiskUsage usage;
    private final DiskBudget budget;
    private final SingleChronicleQueue queue;
    private final PageCacheAdvice pageCacheAdvice;
    private final SpillPositions positions;
    private final ReleasedPosition released;
    private final ReadCursor cursor;
    private final SpillAppender appender;
    private final SpillStoreFiles files;
    private final SpillReader reader;
    private final SpillGauges gauges = new SpillGauges();
    private final long damagedAtOpen;
    private boolean closed;

    /**
     * Opens (or creates) the store in {@link SpillConfig#directory()}, owned by the calling thread. Never loads the
     * backlog; a damaged file is not an error (see the class comment). Starts a new cycle file for this session's
     * appends when earlier files exist and the quota and free space allow it.
     *
     * @param config settings.
     * @return the open store.
     * @throws IllegalStateException if the directory is already open in this or another process.
     * @throws UncheckedIOException  if the directory cannot be created or locked.
     */
    public static SpillStore open(final SpillConfig config)
    {
        return new SpillStore(config, SpillQueueOpener::newQueue);
    }

    /** As {@link #open(SpillConfig)}, building Chronicle's queue with {@code opener}: tests inject failures with it. */
    static SpillStore open(final SpillConfig config, final SpillQueueOpener.QueueFactory opener)
    {
        return new SpillStore(config, opener);
    }

    private SpillStore(final SpillConfig config, final SpillQueueOpener.QueueFactory opener)
    {
        this.config = config;
        this.owner = Thread.currentThread();
        this.directory = config.directory().toAbsolutePath();
        SpillDirectoryLock directoryLock = null;
        SingleChronicleQueue q = null;
        try
        {
            Files.createDirectories(directory);
            directoryLock = SpillDirectoryLock.acquire(directory);
            this.usage = new DiskUsage(directory, directory.resolve(SingleChronicleQueue.QUEUE_METADATA_FILE));
            final SegmentClock clock = new SegmentClock(config.timeProvider());
            q = SpillQueueOpener.open(directory, config, clock, opener);
            this.queue = q;
            final int maxRecordLength = SpillQueueOpener.maxRecordLength(queue, config);
            final RollCycle rollCycle = queue.rollCycle();
            final CycleFiles cycleFiles = new CycleFiles(directory, rollCycle, queue.epoch());
            this.pageCacheAdvice = new PageCacheAdvice(cycleFiles);
            final DamageLog damage = new DamageLog(directory, cycleFiles, gauges);
            this.budget = DiskBudget.forStore(directory, config, queue);
            this.positions = new SpillPositions(queue.metaStore());
            this.released = new ReleasedPosition(queue.metaStore(), positions);
            if (config.acknowledgedReads())
            {
                released.restore();
            }
            else
            {
                released.forget();
            }
            this.cursor = new ReadCursor(positions, config.acknowledgedReads() ? released : null);
            this.appender = new SpillAppender(
                directory, config, queue, clock, cycleFiles, usage, budget, pageCacheAdvice, positions, gauges);
            this.files = new SpillStoreFiles(
                directory, queue, cycleFiles, positions, damage, usage, budget, config.timeProvider());
            files.startAppender(appender);
            this.reader = new SpillReader(directory, queue.createTailer(), rollCycle, cycleFiles, positions, cursor,
                gauges, damage, maxRecordLength);
            reader.position();
            this.damagedAtOpen = new BacklogRecovery(
                directory, queue, cycleFiles, positions, gauges, reader, maxRecordLength, appender.highestCycle())
                .recover();
            deleteConsumed();
            LOG.debug("opened spill store {}: backlog {} frames, {} bytes, disk {} bytes", directory,
                backlogMessages(), backlogBytes(), usage.estimate());
        }
        catch (final IOException e)
        {
            closeQuietly(q);
            closeQuietly(directoryLock);
            throw new UncheckedIOException("cannot open spill store " + directory, e);
        }
        catch (final RuntimeException | Error e)
        {
            closeQuietly(q);
            closeQuietly(directoryLock);
            throw e;
        }
        this.lock = directoryLock;
    }

    /**
     * Appends one frame. Owner thread only; no allocation.
     *
     * @param buffer holds the frame (heap or direct; not retained).
     * @param offset first byte of the frame in {@code buffer}.
     * @param length frame length, at most {@link SpillConfig#maxFrameLength()}.
     * @return {@link #OK}, {@link #QUOTA_EXCEEDED} or {@link #DISK_FULL}; when refused nothing was written.
     * @throws IllegalArgumentException  if {@code length} exceeds {@link SpillConfig#maxFrameLength()}.
     * @throws IndexOutOfBoundsException if the range is outside {@code buffer}.
     */
    public int append(final DirectBuffer buffer, final int offset, final int length)
    {
        checkOwner();
        return appender.append(buffer, offset, length);
    }

    /**
     * Appends one frame held in a Netty buffer, without changing its indexes or reference count (the caller still
     * owns and releases it). Owner thread only; no allocation (a composite buffer is first gathered into a scratch
     * array allocated once).
     *
     * @param buf    holds the frame.
     * @param index  first byte of the frame in {@code buf}.
     * @param length frame length.
     * @return as {@link #append(DirectBuffer, int, int)}.
     */
    public int append(final ByteBuf buf, final int index, final int length)
    {
        checkOwner();
        return appender.append(buf, index, length);
    }

    /**
     * Whether an {@link #append} of {@code length} bytes would be accepted now, without writing anything: the quota and
     * free-space checks of {@code append} (reading the free space when the last reading is stale). Owner thread only.
     *
     * @param length frame length.
     * @return {@link #OK}, {@link #QUOTA_EXCEEDED} or {@link #DISK_FULL}.
     */
    public int room(final int length)
    {
        checkOwner();
        return appender.room(length);
    }

    /**
     * @return the quota appends are held to now: {@link SpillConfig#quotaBytes()} unless changed with
     * {@link #quotaBytes(long)}. Any thread.
     */
    public long quotaBytes()
    {
        return budget.quotaBytes();
    }

    /**
     * Changes the quota appends are held to from now on (stores that share one budget, such as the relay's stores of
     * one lane, give each the part the others do not use). Files already written stay; a smaller quota only refuses
     * appends. Owner thread only.
     *
     * @param bytes the most disk the store may occupy; may be below {@link SpillConfig#MIN_QUOTA_BYTES}.
     */
    public void quotaBytes(final long bytes)
    {
        checkOwner();
        budget.quotaBytes(bytes);
    }

    /**
     * Keeps {@code bytes} of free space beyond the margin from now on: appends are refused with {@link #DISK_FULL}
     * while they would eat into it, so that a later write the caller knows of (the relay's hand-over when a durable
     * lane closes) finds room. Set it to 0 before that write. Owner thread only.
     *
     * @param bytes free space to keep beyond {@link #freeSpaceMarginBytes()}.
     */
    public void reserveBytes(final long bytes)
    {
        checkOwner();
        budget.reserveBytes(bytes);
    }

    /**
     * @return the free-space margin this store keeps on its file system ({@link SpillConfig#freeSpaceMarginFor(long)}
     * of the file system's size at open). Any thread.
     */
    public long freeSpaceMarginBytes()
    {
        return budget.freeSpaceMarginBytes();
    }

    /**
     * Delivers up to {@code limit} frames, oldest first, to {@code handler}, advancing the durable read position after
     * each (see the class comment for what "consumed" means across a crash). Skips damaged data (counted in
     * {@link #damagedSkipped()}), deletes cycle files it has finished, and, when the backlog has drained, may start a
     * new cycle file so that the drained one can be deleted. Owner thread only; no allocation per frame.
     *
     * @param handler receives the frames; the bytes are valid only during its call.
     * @param limit   most frames to deliver.
     * @return frames delivered; 0 when the store is empty.
     */
    public int read(final FrameHandler handler, final int limit)
    {
        return read(handler, limit, Long.MAX_VALUE);
    }

    /**
     * As {@link #read(FrameHandler, int)}, delivering at most {@code byteLimit} bytes of frames: a frame that would
     * take the frames delivered by this call past it stays first in the store, unless it is the first frame of the call
     * (so that a frame longer than the limit is still delivered). Lets a caller fill a buffer of its own size.
     *
     * @param handler   receives the frames; the bytes are valid only during its call.
     * @param limit     most frames to deliver.
     * @param byteLimit most bytes of frames to deliver, the first frame aside.
     * @return frames delivered; 0 when the store is empty.
     */
    public int read(final FrameHandler handler, final int limit, final long byteLimit)
    {
        checkOwner();
        final int delivered = reader.read(handler, limit, byteLimit, appender.highestCycle());
        if (reader.drained() && appender.rollIfDrained(reader.cycle()))
        {
            reader.stepPastEndOfFile();
        }
        deleteConsumedIfPassed();
        return delivered;
    }

    /**
     * Acknowledged mode: the oldest {@code records} records delivered and not yet released are done with. The kept
     * position (where a reopened store starts reading) moves past them and keeps {@code tag} with it, both in one step
     * a crash cannot tear ({@code ReleasedPosition}); cycle files wholly before the oldest record still unreleased may
     * then be deleted. {@code records} may be 0: the kept position stays and takes the new tag. Owner thread only; no
     * allocation.
     *
     * @param records records to release, at most {@link #unreleasedRecords()}.
     * @param tag     the owner's value kept with the new position ({@link #releasedTag()}); the relay keeps the
     *                position number of the next record's first frame.
     * @throws IllegalArgumentException if {@code records} is negative or more than {@link #unreleasedRecords()}.
     * @throws IllegalStateException    if the store is not in acknowledged mode (or as every owner-only method).
     */
    public void release(final int records, final long tag)
    {
        checkAcknowledged();
        cursor.release(records, tag);
        deleteConsumedIfPassed();
    }

    /**
     * @return acknowledged mode: the tag the last {@link #release} kept with the kept position, across reopens;
     * {@link #NO_TAG} if release was never called on this store's files (or the metadata holding it was lost to
     * damage). A reopened store starts reading at the record the tag was kept with. Owner thread only.
     * @throws IllegalStateException if the store is not in acknowledged mode (or as every owner-only method).
     */
    public long releasedTag()
    {
        checkAcknowledged();
        return cursor.releasedTag();
    }

    /**
     * @return records {@link #read} delivered and not yet {@link #release released}: after a reopen they are read
     * again. 0 in the default mode. Owner thread only.
     */
    public int unreleasedRecords()
    {
        checkOwner();
        return cursor.unreleased();
    }

    /**
     * @return frames appended and not yet consumed (including any a damaged file will turn out not to hold, until the
     * reader reaches them); in acknowledged mode, not yet read (records read and not released are not counted until a
     * reopen reads them again). Any thread.
     */
    public long backlogMessages()
    {
        return gauges.backlogMessages();
    }

    /** @return frame bytes appended and not yet consumed, exact across restarts (records hold offsets). Any thread. */
    public long backlogBytes()
    {
        return gauges.backlogBytes();
    }

    /** @return true when no frame awaits reading. Any thread. */
    public boolean isEmpty()
    {
        return backlogMessages() == 0;
    }

    /**
     * @return frames lost to damage since this store was opened (estimated from the damaged file's index when the
     * damage hides how many it held; at least one per damaged spot). Any thread.
     */
    public long damagedSkipped()
    {
        return gauges.damagedSkipped();
    }

    /**
     * @return bytes of frames lost to damage since this store was opened, exact (the records' logical offsets show the
     * hole), growing as the reader passes the damage. Any thread.
     */
    public long damagedBytes()
    {
        return gauges.damagedBytes();
    }

    /**
     * @return bytes of the backlog found missing when the store opened, by a walk over the records' headers (damage
     * inside a record whose header is intact shows only when it is read). Reading the store counts the same loss in
     * {@link #damagedBytes()}. Any thread.
     */
    public long damagedBacklogBytes()
    {
        return damagedAtOpen;
    }

    /**
     * @return allocated bytes of the files in the store's directory ({@code stat(2)}'s {@code st_blocks}, as
     * {@code DiskUsage} keeps them). A few microseconds: for monitoring, not per frame. Any thread.
     */
    public long diskBytes()
    {
        try
        {
            return closed ? FileSizes.allocatedInDirectory(directory) : usage.diskBytes();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the settings this store was opened with. */
    public SpillConfig config()
    {
        return config;
    }

    /**
     * Closes the queue and releases the directory; when it returns the files are no longer mapped. Call from the
     * owner thread once no other call is running. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            positions.appendEnd(gauges.appendEnd());
            if (!cursor.acknowledged())
            {
                positions.readOffset(gauges.readOffset());
            }
        }
        catch (final RuntimeException e)
        {
            LOG.debug("spill store {}: could not store offsets at close", directory, e);
        }
        closeQuietly(appender);
        closeQuietly(reader);
        closeQuietly(released);
        closeQuietly(positions);
        closeQuietly(queue);
        // Chronicle unmaps on a background thread; wait, so that the space of deleted files is free and the directory
        // can be removed once close returns.
        BackgroundResourceReleaser.releasePendingResources();
        lock.close();
    }

    @Override
    public String toString()
    {
        return "SpillStore{" + directory + ", backlog=" + backlogMessages() + " frames/" + backlogBytes()
            + " bytes, damagedSkipped=" + damagedSkipped() + '}';
    }

    /**
     * Lets the page cache go of frames no reader needs soon ({@link PageCacheAdvice} says which). A few system calls
     * per file: a few times a second, not per frame. Owner thread only.
     *
     * @return files the kernel was advised on; 0 where {@link PageCache} is unavailable.
     */
    public int dropCachedPages()
    {
        checkOwner();
        return pageCacheAdvice.dropCachedPages(
            reader.started(), reader.cycle(), appender.appendCycle(), appender.currentFileBytes());
    }

    /**
     * Deletes every cycle file before the one the reader is in, and in acknowledged mode before the one holding the
     * oldest record not released (never the one appends go to).
     */
    private void deleteConsumed()
    {
        files.deleteConsumed(keepFromCycle(), reader.started(), appender.appendCycle());
    }

    private void deleteConsumedIfPassed()
    {
        if (keepFromCycle() > files.deletedBelowCycle())
        {
            deleteConsumed();
        }
    }

    private int keepFromCycle()
    {
        final int readerCycle = reader.cycle();
        return cursor.unreleased() == 0 ? readerCycle : Math.min(readerCycle, cursor.oldestUnreleasedCycle());
    }

    private void checkAcknowledged()
    {
        checkOwner();
        if (!cursor.acknowledged())
        {
            throw new IllegalStateException("spill store " + directory + " does not acknowledge reads");
        }
    }

    private void checkOwner()
    {
        if (Thread.currentThread() != owner)
        {
            throw new IllegalStateException("spill store " + directory + " is owned by thread " + owner.getName()
                + ", called from " + Thread.currentThread().getName());
        }
        if (closed)
        {
            throw new IllegalStateException("spill store " + directory + " is closed");
        }
    }
}
