package io.sluice.spill;

import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Decides whether a write fits a store's two limits: the quota on the store's own disk use and the free space the file
 * system must keep (a full disk under a mapped file kills the JVM with SIGBUS). A write is charged the room Chronicle
 * may take with it, not just its bytes. The file system's usable space is read at most every
 * {@value #FREE_CHECK_MILLIS} ms or {@value #FREE_CHECK_BYTES} bytes written, and at every roll: {@code statvfs} per
 * frame would cost more than the write. Owner thread only, except {@link #quotaBytes()}.
 */
final class DiskBudget
{
    /** The write fits. */
    static final int OK = 0;
    /** The write would take the store's disk use above the quota. */
    static final int QUOTA_EXCEEDED = -1;
    /** The write would take the file system's usable space below the margin plus the reserve. */
    static final int DISK_FULL = -2;

    static final long PAGE = 4096;
    static final long FREE_CHECK_BYTES = 1L << 20;
    static final long FREE_CHECK_MILLIS = 100;

    // Logs as the store: operators configure, and tests watch, the store's logger.
    private static final Logger LOG = LoggerFactory.getLogger(SpillStore.class);

    private final Path directory;
    private final FileStore fileStore;
    private final long freeSpaceMargin;
    private final long indexReserve;
    private final long newFileReserve;
    private final long denseReserve;
    private volatile long quotaBytes;
    private long reserveBytes;
    private long usableSpace;
    private long bytesSinceFreeCheck;
    private long lastFreeCheckMillis;

    /**
     * The budget of a store as its settings and its queue give it: the file system is {@link SpillConfig#fileStore()}
     * or the directory's, and the margin {@link SpillConfig#freeSpaceMarginFor} its size.
     *
     * @param directory the store's directory.
     * @param config    the store's settings.
     * @param queue     the store's queue, for the sizes of its index blocks and mappings.
     * @return the budget.
     * @throws IOException if the file system cannot be found or measured.
     */
    static DiskBudget forStore(final Path directory, final SpillConfig config, final SingleChronicleQueue queue)
        throws IOException
    {
        final FileStore fileStore = config.fileStore() != null ? config.fileStore() : Files.getFileStore(directory);
        return new DiskBudget(directory, fileStore, config.quotaBytes(),
            config.freeSpaceMarginFor(fileStore.getTotalSpace()), queue.indexCount(),
            queue.blockSize() + queue.overlapSize());
    }

    /**
     * @param directory       the store's directory, for log messages.
     * @param fileStore       the file system the store is on.
     * @param quotaBytes      the most disk the store may occupy.
     * @param freeSpaceMargin usable space the file system must keep.
     * @param indexCount      entries in one of Chronicle's index blocks.
     * @param mappedBytes     what Chronicle maps at once (block plus overlap): a new block takes all of it at once on a
     *                        file system without sparse files.
     */
    DiskBudget(
        final Path directory,
        final FileStore fileStore,
        final long quotaBytes,
        final long freeSpaceMargin,
        final int indexCount,
        final long mappedBytes)
    {
        this.directory = directory;
        this.fileStore = fileStore;
        this.quotaBytes = quotaBytes;
        this.freeSpaceMargin = freeSpaceMargin;
        this.indexReserve = 2L * indexCount * Long.BYTES + PAGE;
        this.newFileReserve = 2L * indexCount * Long.BYTES + 16 * PAGE;
        this.denseReserve = mappedBytes;
    }

    /**
     * Checks the quota and the free-space margin for a write.
     *
     * @param used        the store's disk use now.
     * @param sparseFiles whether the file system allocates a file's blocks only as they are written.
     * @param docBytes    bytes of the document to append, 0 for an empty roll.
     * @param roll        whether the write starts a new cycle file.
     * @param now         wall-clock millis.
     * @return {@link #OK}, {@link #QUOTA_EXCEEDED} or {@link #DISK_FULL}.
     */
    int admit(final long used, final boolean sparseFiles, final long docBytes, final boolean roll, final long now)
    {
        // A page for rounding and an index block Chronicle may add; a new file if this write starts one.
        long need = docBytes + PAGE + indexReserve;
        if (roll)
        {
            need += newFileReserve;
        }
        if (docBytes > 0)
        {
            // Appends leave room for one more cycle file, so that a drained store can always start a new file and
            // delete the drained one, even when the quota or the disk is full.
            need += newFileReserve;
        }
        if (!sparseFiles)
        {
            need += denseReserve;
        }
        if (used + need > quotaBytes)
        {
            return QUOTA_EXCEEDED;
        }
        if (roll || bytesSinceFreeCheck + need > FREE_CHECK_BYTES || now - lastFreeCheckMillis >= FREE_CHECK_MILLIS
            || now < lastFreeCheckMillis)
        {
            refreshUsableSpace(now);
        }
        if (usableSpace - bytesSinceFreeCheck - need < freeSpaceMargin + reserveBytes)
        {
            return DISK_FULL;
        }
        return OK;
    }

    /** Counts bytes written since the file system's usable space was last read. */
    void onWritten(final long bytes)
    {
        bytesSinceFreeCheck += bytes;
    }

    /** Reads the file system's usable space now (0, logged, when it cannot be read: writes are then refused). */
    void refreshUsableSpace(final long now)
    {
        try
        {
            usableSpace = fileStore.getUsableSpace();
        }
        catch (final IOException e)
        {
            LOG.warn("spill store {}: cannot read usable space: {}", directory, e.toString());
            usableSpace = 0;
        }
        bytesSinceFreeCheck = 0;
        lastFreeCheckMillis = now;
    }

    /** @return the usable space last read. */
    long usableSpace()
    {
        return usableSpace;
    }

    /** @return the quota writes are held to now. Any thread. */
    long quotaBytes()
    {
        return quotaBytes;
    }

    /** @param bytes the quota from now on; negative is 0. */
    void quotaBytes(final long bytes)
    {
        quotaBytes = Math.max(0, bytes);
    }

    /** @param bytes free space to keep beyond the margin from now on; negative is 0. */
    void reserveBytes(final long bytes)
    {
        reserveBytes = Math.max(0, bytes);
    }

    /** @return the free space the file system must keep. */
    long freeSpaceMarginBytes()
    {
        return freeSpaceMargin;
    }
}
