package io.sluice.spill;

import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.sluice.spill.SpillFailures.isCorruption;
import static io.sluice.spill.SpillFailures.propagate;

/**
 * The cycle files of an open {@link SpillStore} as a whole: gets the appender started over files a crash may have left
 * unloadable (deleting those, counted and logged), sweeps the files Chronicle set aside, and deletes the files the
 * reader has finished, keeping the disk-use figures current after each deletion. Owner thread only.
 */
final class SpillStoreFiles
{
    // Logs as the store: operators configure, and tests watch, the store's logger.
    private static final Logger LOG = LoggerFactory.getLogger(SpillStore.class);
    private static final long UNSET = SpillPositions.UNSET;
    private static final int NO_CYCLE = CycleFiles.NO_CYCLE;
    private static final int OPEN_ATTEMPTS = 4;

    private final Path directory;
    private final SingleChronicleQueue queue;
    private final RollCycle rollCycle;
    private final CycleFiles cycleFiles;
    private final SpillPositions positions;
    private final DamageLog damage;
    private final DiskUsage usage;
    private final DiskBudget budget;
    private final TimeProvider timeProvider;
    private int deletedBelowCycle = NO_CYCLE;

    /**
     * @param directory    the store's directory (absolute).
     * @param queue        the store's queue.
     * @param cycleFiles   the store's cycle files.
     * @param positions    the stored read and last-append positions, to count what a deleted file held.
     * @param damage       where losses are counted.
     * @param usage        the store's disk use, remeasured after deletions.
     * @param budget       the store's budget, whose free-space reading is refreshed after deletions.
     * @param timeProvider the store's wall clock.
     */
    SpillStoreFiles(
        final Path directory,
        final SingleChronicleQueue queue,
        final CycleFiles cycleFiles,
        final SpillPositions positions,
        final DamageLog damage,
        final DiskUsage usage,
        final DiskBudget budget,
        final TimeProvider timeProvider)
    {
        this.directory = directory;
        this.queue = queue;
        this.rollCycle = queue.rollCycle();
        this.cycleFiles = cycleFiles;
        this.positions = positions;
        this.damage = damage;
        this.usage = usage;
        this.budget = budget;
        this.timeProvider = timeProvider;
    }

    /**
     * Starts {@code appender} after every cycle file earlier sessions left (see {@link SpillAppender#startAfter} and
     * {@link SpillAppender#start}): this session appends to a new file only, which seals theirs. Chronicle reads the
     * newest earlier files while doing so; one it cannot load (a header cut short by a crash) is deleted, counted and
     * logged, and the step retried. Then deletes what Chronicle set aside while opening.
     *
     * @param appender the store's appender.
     */
    void startAppender(final SpillAppender appender)
    {
        final int[] existing = cycleFiles.list();
        final int lastExisting = existing.length == 0 ? NO_CYCLE : existing[existing.length - 1];
        appender.startAfter(lastExisting);
        final boolean sealPrevious = lastExisting != NO_CYCLE;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                appender.start(sealPrevious);
                break;
            }
            catch (final Exception | AssertionError e)
            {
                appender.abandon();
                if (attempt >= OPEN_ATTEMPTS || !isCorruption(e) || !discardUnloadableFiles())
                {
                    throw propagate(e);
                }
            }
        }
        if (sweepDiscards())
        {
            usage.remeasure();
        }
    }

    /**
     * Deletes the files Chronicle renamed to {@code *.discard} because it could not load them.
     *
     * @return whether any was deleted.
     */
    boolean sweepDiscards()
    {
        boolean deleted = false;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SpillQueueOpener.DISCARD_SUFFIX))
        {
            for (final Path file : files)
            {
                final String name = file.getFileName().toString();
                final int cycle = cycleFiles.cycleOfSetAside(name);
                if (cycle == NO_CYCLE)
                {
                    LOG.warn("spill store {}: deleting {}", directory, name);
                    Files.deleteIfExists(file);
                }
                else
                {
                    discard(file, cycle, "was set aside by Chronicle as unloadable (" + name + ")");
                }
                deleted = true;
            }
        }
        catch (final IOException e)
        {
            LOG.warn("spill store {}: cleaning up discarded files: {}", directory, e.toString());
        }
        return deleted;
    }

    /**
     * Deletes every cycle file before the one the reader is in, never the one appends go to.
     *
     * @param readerCycle   the cycle the reader is in.
     * @param readerStarted whether the reader has been positioned in a file.
     * @param appendCycle   the cycle appends go to, or {@link CycleFiles#NO_CYCLE}.
     */
    void deleteConsumed(final int readerCycle, final boolean readerStarted, final int appendCycle)
    {
        boolean deleted = sweepDiscards();
        int keepFrom = readerCycle;
        if (appendCycle != NO_CYCLE)
        {
            keepFrom = Math.min(keepFrom, appendCycle);
        }
        if (keepFrom == NO_CYCLE || !readerStarted || keepFrom <= deletedBelowCycle)
        {
            keepFrom = NO_CYCLE;
        }
        if (keepFrom != NO_CYCLE)
        {
            deleted |= cycleFiles.deleteBefore(keepFrom);
        }
        deletedBelowCycle = Math.max(deletedBelowCycle, keepFrom);
        if (deleted)
        {
            queue.refreshDirectoryListing();
            // A deleted file's space is free once Chronicle has unmapped it, which it does on a background thread.
            BackgroundResourceReleaser.releasePendingResources();
            usage.remeasure();
            budget.refreshUsableSpace(timeProvider.currentTimeMillis());
        }
    }

    /** @return the cycle below which every file has been deleted; {@link CycleFiles#NO_CYCLE} before any. */
    int deletedBelowCycle()
    {
        return deletedBelowCycle;
    }

    /** Deletes (after counting and logging) every cycle file Chronicle cannot load. */
    private boolean discardUnloadableFiles()
    {
        boolean found = false;
        final int[] cycles = cycleFiles.list();
        for (int i = cycles.length - 1; i >= 0; i--)
        {
            final int cycle = cycles[i];
            try
            {
                final SingleChronicleQueueStore store = queue.storeForCycle(cycle, queue.epoch(), false, null);
                if (store != null)
                {
                    queue.closeStore(store);
                }
            }
            catch (final Exception | AssertionError e)
            {
                if (isCorruption(e))
                {
                    discard(cycleFiles.file(cycle), cycle, "cannot be loaded (" + e + ")");
                    found = true;
                }
                else
                {
                    LOG.warn("spill store {}: cannot load cycle {}: {}", directory, cycle, e.toString());
                }
            }
        }
        if (found)
        {
            queue.refreshDirectoryListing();
        }
        return found;
    }

    private void discard(final Path file, final int cycle, final String why)
    {
        final long lost = framesIn(cycle);
        damage.lost(cycle, why + "; deleted it, " + lost + " frame(s) lost", lost);
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException e)
        {
            LOG.warn("spill store {}: cannot delete {}: {}", directory, file.getFileName(), e.toString());
        }
    }

    /**
     * Frames appended to {@code cycle} and not yet read, from the stored read and last-append positions: exact when
     * the cycle holds the last append, otherwise at least one unless it was read already.
     */
    private long framesIn(final int cycle)
    {
        final long read = positions.readIndex();
        if (read != UNSET && rollCycle.toCycle(read) > cycle)
        {
            return 0;
        }
        final long last = positions.lastIndex();
        if (last == UNSET || rollCycle.toCycle(last) < cycle)
        {
            return 0;
        }
        if (rollCycle.toCycle(last) > cycle)
        {
            return 1;
        }
        final long first = read != UNSET && rollCycle.toCycle(read) == cycle ? rollCycle.toSequenceNumber(read) : 0;
        return Math.max(0, rollCycle.toSequenceNumber(last) + 1 - first);
    }
}
