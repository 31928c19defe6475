package io.sluice.spill;

import io.sluice.core.protocol.FrameDescriptor;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;

import java.nio.file.FileStore;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of one {@link SpillStore}. Start from {@link #of(Path, long)} and adjust with the {@code with...} methods;
 * the canonical constructor validates every field.
 *
 * @param directory            the store's own folder (for example {@code spillDir/<stream>/<subscription>}); created
 *                             when missing. Nothing else may live in it.
 * @param quotaBytes           the most disk the store may occupy, counted as allocated bytes of every file in
 *                             {@code directory} (cycle files, Chronicle's {@code metadata.cq4t}, the lock file).
 *                             {@link SpillStore#append} refuses with {@link SpillStore#QUOTA_EXCEEDED} before an append
 *                             (and the cycle file or index block it may bring) would cross it. At least 1 MiB.
 * @param freeSpaceMarginBytes append refuses with {@link SpillStore#DISK_FULL} when the file system's usable space
 *                             would drop below the margin: a full disk under a memory-mapped file kills the JVM with
 *                             SIGBUS. This is the largest margin kept; a file system smaller than 16 times it keeps a
 *                             sixteenth of its size, at least {@link #MIN_FREE_SPACE_MARGIN_BYTES} (see
 *                             {@link #freeSpaceMarginFor(long)}). Default {@link #DEFAULT_FREE_SPACE_MARGIN_BYTES}.
 * @param maxFrameLength       the largest frame {@code append} accepts (header included); larger ones are a programming
 *                             error ({@link IllegalArgumentException}). Default
 *                             {@link FrameDescriptor#DEFAULT_MAX_FRAME_LENGTH}.
 * @param blockSize            Chronicle's mapping unit: files grow and are mapped a block at a time, and one document
 *                             may not exceed a quarter of it, so it must be a power of two of at least
 *                             {@link #minimumBlockSize(int) 4 * (maxFrameLength + 20)}, and at least 256 KiB. Default
 *                             {@link #defaultBlockSize(int)}: 8 MiB for frames up to 1 MiB.
 * @param rollCycle            Chronicle roll cycle: names the cycle files, sets the index geometry and the longest a
 *                             cycle file stays open for appends ({@link RollCycle#lengthInMillis()}, measured with
 *                             {@code timeProvider}). Default {@link RollCycles#FIVE_MINUTELY}, the shortest standard
 *                             cycle.
 * @param rollBytes            a cycle file stops taking appends once this many bytes were appended to it (size-based
 *                             roll), so that consumed data becomes deletable without waiting for the clock. Default
 *                             {@code quotaBytes / 8}, at least 1 MiB.
 * @param timeProvider         wall clock for time-based rolls; tests pass a settable one to roll deterministically.
 * @param drainRollIdleMillis a read that finds the store empty starts a new cycle file (so that the drained one can
 *                             be deleted) only once nothing was appended for this long (on {@code timeProvider}).
 *                             Starting a file and deleting the drained one take milliseconds to tens of milliseconds;
 *                             a reader that keeps up with a steady writer drains the store again and again and would
 *                             pay that each time. Default 0: at every such read.
 * @param fileStore            where the store reads its file system's size and usable space; null (the default) for
 *                             the file system holding {@code directory}. Tests pass one that reports a nearly full
 *                             disk.
 * @param acknowledgedReads    false (the default): a frame is consumed, and the stored read position moves past it,
 *                             as its {@code onFrame} returns. True: reading only moves a cursor; the stored position,
 *                             where a reopened store starts and which file deletion does not pass, moves when the
 *                             owner {@link SpillStore#release releases} the records it read (a subscriber acknowledged
 *                             them), and keeps a tag of the owner's with it. For a store whose records must survive a
 *                             crash of the process that read them before it passed them on.
 */
public record SpillConfig(
    Path directory,
    long quotaBytes,
    long freeSpaceMarginBytes,
    int maxFrameLength,
    long blockSize,
    RollCycle rollCycle,
    long rollBytes,
    TimeProvider timeProvider,
    long drainRollIdleMillis,
    FileStore fileStore,
    boolean acknowledgedReads)
{
    /** Default {@link #freeSpaceMarginBytes()}: 64 MiB. */
    public static final long DEFAULT_FREE_SPACE_MARGIN_BYTES = 64L << 20;

    /**
     * Smallest free-space margin a small file system keeps (unless {@link #freeSpaceMarginBytes()} is smaller): 4 MiB,
     * four times what a store may append between two reads of the free space.
     */
    public static final long MIN_FREE_SPACE_MARGIN_BYTES = 4L << 20;

    /** Default {@link #rollCycle()}. */
    public static final RollCycle DEFAULT_ROLL_CYCLE = RollCycles.FIVE_MINUTELY;

    /** Smallest block size accepted and the floor of {@link #minimumBlockSize(int)}: 256 KiB. */
    public static final long MIN_BLOCK_SIZE = 256L << 10;

    /** Floor of {@link #defaultBlockSize(int)}: 8 MiB. */
    public static final long DEFAULT_MIN_BLOCK_SIZE = 8L << 20;

    /** Smallest quota accepted: 1 MiB. */
    public static final long MIN_QUOTA_BYTES = 1L << 20;

    /** Smallest {@link #rollBytes()} accepted and its default floor: 1 MiB. */
    public static final long MIN_ROLL_BYTES = 1L << 20;

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException when a value is out of range.
     * @throws NullPointerException     when a reference is null.
     */
    public SpillConfig
    {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(rollCycle, "rollCycle");
        Objects.requireNonNull(timeProvider, "timeProvider");
        if (quotaBytes < MIN_QUOTA_BYTES)
        {
            throw new IllegalArgumentException(
                "quotaBytes must be at least " + MIN_QUOTA_BYTES + ", was " + quotaBytes);
        }
        if (freeSpaceMarginBytes < 0)
        {
            throw new IllegalArgumentException(
                "freeSpaceMarginBytes must not be negative, was " + freeSpaceMarginBytes);
        }
        if (maxFrameLength < 1 || maxFrameLength > (1 << 29))
        {
            throw new IllegalArgumentException("maxFrameLength must be in [1, 512MiB], was " + maxFrameLength);
        }
        if (blockSize < MIN_BLOCK_SIZE || Long.bitCount(blockSize) != 1)
        {
            throw new IllegalArgumentException("blockSize must be a power of two of at least " + MIN_BLOCK_SIZE
                + ", was " + blockSize);
        }
        if (blockSize < minimumBlockSize(maxFrameLength))
        {
            throw new IllegalArgumentException("blockSize " + blockSize + " is too small for frames of "
                + maxFrameLength + " bytes: at least " + minimumBlockSize(maxFrameLength));
        }
        if (rollBytes < MIN_ROLL_BYTES)
        {
            throw new IllegalArgumentException("rollBytes must be at least " + MIN_ROLL_BYTES + ", was " + rollBytes);
        }
        if (drainRollIdleMillis < 0)
        {
            throw new IllegalArgumentException("drainRollIdleMillis must not be negative, was "
                + drainRollIdleMillis);
        }
    }

    /**
     * Defaults for a store in {@code directory} with a disk quota.
     *
     * @param directory  the store's own folder.
     * @param quotaBytes the disk quota.
     * @return the settings.
     */
    public static SpillConfig of(final Path directory, final long quotaBytes)
    {
        final int maxFrameLength = FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH;
        return new SpillConfig(directory, quotaBytes, DEFAULT_FREE_SPACE_MARGIN_BYTES, maxFrameLength,
            defaultBlockSize(maxFrameLength), DEFAULT_ROLL_CYCLE, defaultRollBytes(quotaBytes),
            SystemTimeProvider.INSTANCE, 0, null, false);
    }

    /**
     * The free-space margin kept on a file system of {@code fileSystemBytes}: {@link #freeSpaceMarginBytes()} on a
     * file system of 16 times that or more; otherwise a sixteenth of the file system, but at least
     * {@link #MIN_FREE_SPACE_MARGIN_BYTES}, and never more than {@link #freeSpaceMarginBytes()}. A fixed 64 MiB margin
     * on a 64 MiB file system would refuse every append.
     *
     * @param fileSystemBytes the file system's size.
     * @return bytes to keep free.
     */
    public long freeSpaceMarginFor(final long fileSystemBytes)
    {
        return Math.min(freeSpaceMarginBytes, Math.max(MIN_FREE_SPACE_MARGIN_BYTES, fileSystemBytes / 16));
    }

    /**
     * The smallest block size that holds frames of {@code maxFrameLength}: Chronicle limits a document to a quarter of
     * a block, and a record adds {@value SpillRecordDescriptor#HEADER_LENGTH} bytes to the frame.
     *
     * @param maxFrameLength largest frame.
     * @return a power of two, at least {@link #MIN_BLOCK_SIZE}.
     */
    public static long minimumBlockSize(final int maxFrameLength)
    {
        final long needed = 4L * (maxFrameLength + (long)SpillRecordDescriptor.HEADER_LENGTH + 8);
        final long pow2 = Long.highestOneBit(needed) == needed ? needed : Long.highestOneBit(needed) << 1;
        return Math.max(MIN_BLOCK_SIZE, pow2);
    }

    /**
     * Default block size for frames of {@code maxFrameLength}: {@link #minimumBlockSize(int)}, at least
     * {@link #DEFAULT_MIN_BLOCK_SIZE} (the minimum for the relay's default 1 MiB frames). Smaller blocks mean more
     * remaps, which slow reads; the block size does not affect quota accounting because cycle files are sparse (see
     * docs/spill.md).
     *
     * @param maxFrameLength largest frame.
     * @return the block size.
     */
    public static long defaultBlockSize(final int maxFrameLength)
    {
        return Math.max(DEFAULT_MIN_BLOCK_SIZE, minimumBlockSize(maxFrameLength));
    }

    /**
     * Default size-based roll threshold: an eighth of the quota, at least {@link #MIN_ROLL_BYTES}.
     *
     * @param quotaBytes the quota.
     * @return bytes appended to one cycle file before the next append starts a new one.
     */
    public static long defaultRollBytes(final long quotaBytes)
    {
        return Math.max(MIN_ROLL_BYTES, quotaBytes / 8);
    }

    /**
     * @param bytes new free-space margin.
     * @return a copy with that margin.
     */
    public SpillConfig withFreeSpaceMarginBytes(final long bytes)
    {
        return new SpillConfig(directory, quotaBytes, bytes, maxFrameLength, blockSize, rollCycle, rollBytes,
            timeProvider, drainRollIdleMillis, fileStore, acknowledgedReads);
    }

    /**
     * @param bytes new quota; the roll threshold follows it if it was the default for the old quota.
     * @return a copy with that quota.
     */
    public SpillConfig withQuotaBytes(final long bytes)
    {
        final long roll = rollBytes == defaultRollBytes(quotaBytes) ? defaultRollBytes(bytes) : rollBytes;
        return new SpillConfig(directory, bytes, freeSpaceMarginBytes, maxFrameLength, blockSize, rollCycle, roll,
            timeProvider, drainRollIdleMillis, fileStore, acknowledgedReads);
    }

    /**
     * @param length new largest frame; the block size grows to {@link #minimumBlockSize(int)} when needed.
     * @return a copy accepting frames up to that length.
     */
    public SpillConfig withMaxFrameLength(final int length)
    {
        final long block = Math.max(blockSize, minimumBlockSize(length));
        return new SpillConfig(directory, quotaBytes, freeSpaceMarginBytes, length, block, rollCycle, rollBytes,
            timeProvider, drainRollIdleMillis, fileStore, acknowledgedReads);
    }

    /**
     * @param bytes new block size.
     * @return a copy with that block size.
     */
    public SpillConfig withBlockSize(final long bytes)
    {
        return new SpillConfig(directory, quotaBytes, freeSpaceMarginBytes, maxFrameLength, bytes, rollCycle, rollBytes,
            timeProvider, drainRollIdleMillis, fileStore, acknowledgedReads);
    }

    /**
     * @param cycle new roll cycle.
     * @return a copy with that roll cycle.
     */
    public SpillConfig withRollCycle(final RollCycle cycle)
    {
        return new SpillConfig(directory, quotaBytes, freeSpaceMarginBytes, maxFrameLength, blockSize, cycle, rollBytes,
            timeProvider, drainRollIdleMillis, fileStore, acknowledgedReads);
    }

    /**
     * @param bytes new size-based roll threshold.
     * @return a copy with that threshold.
     */
    public SpillConfig withRollBytes(final long bytes)
    {
        return new SpillConfig(directory, quotaBytes, freeSpaceMarginBytes, maxFrameLength, blockSize, rollCycle, bytes,
            timeProvider, drainRollIdleMillis, fileStore, acknowledgedReads);
    }

    /**
     * @param clock new wall clock for time-based rolls.
     * @return a copy with that clock.
     */
    public SpillConfig withTimeProvider(final TimeProvider clock)
    {
        return new SpillConfig(directory, quotaBytes, freeSpaceMarginBytes, maxFrameLength, blockSize, rollCycle,
            rollBytes, clock, drainRollIdleMillis, fileStore, acknowledgedReads);
    }

    /**
     * @param millis how long no append must have come before a drain roll.
     * @return a copy with that idle time.
     */
    public SpillConfig withDrainRollIdleMillis(final long millis)
    {
        return new SpillConfig(directory, quotaBytes, freeSpaceMarginBytes, maxFrameLength, blockSize, rollCycle,
            rollBytes, timeProvider, millis, fileStore, acknowledgedReads);
    }

    /**
     * @param store where to read the file system's size and usable space; null for the directory's own.
     * @return a copy reading free space there.
     */
    public SpillConfig withFileStore(final FileStore store)
    {
        return new SpillConfig(directory, quotaBytes, freeSpaceMarginBytes, maxFrameLength, blockSize, rollCycle,
            rollBytes, timeProvider, drainRollIdleMillis, store, acknowledgedReads);
    }

    /**
     * @param acknowledged whether reads wait for {@link SpillStore#release} before the stored position moves.
     * @return a copy with that mode.
     */
    public SpillConfig withAcknowledgedReads(final boolean acknowledged)
    {
        return new SpillConfig(directory, quotaBytes, freeSpaceMarginBytes, maxFrameLength, blockSize, rollCycle,
            rollBytes, timeProvider, drainRollIdleMillis, fileStore, acknowledged);
    }
}
