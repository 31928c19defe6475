package io.sluice.spill;

import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.RollingResourcesCache;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.agrona.collections.IntHashSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The cycle files of a store's directory, by cycle number: their names (Chronicle's, from the roll cycle), which exist,
 * and deleting the consumed ones. Reads the directory each time rather than Chronicle's cached listing, which lags
 * deletions and files set aside. Owner thread only.
 */
final class CycleFiles
{
    /** No cycle: none found, none yet. */
    static final int NO_CYCLE = Integer.MIN_VALUE;

    // Logs as the store: operators configure, and tests watch, the store's logger.
    private static final Logger LOG = LoggerFactory.getLogger(SpillStore.class);

    private final Path directory;
    private final RollingResourcesCache names;

    /**
     * @param directory   the store's directory.
     * @param rollCycle   the queue's roll cycle, which names its files.
     * @param epochMillis the queue's epoch.
     */
    CycleFiles(final Path directory, final RollCycle rollCycle, final long epochMillis)
    {
        this.directory = directory;
        final File dirFile = directory.toFile();
        this.names = new RollingResourcesCache(rollCycle, epochMillis,
            name -> new File(dirFile, name + SingleChronicleQueue.SUFFIX),
            file -> file.getName().substring(0, file.getName().length() - SingleChronicleQueue.SUFFIX.length()));
    }

    /** @return the file of {@code cycle}, whether or not it exists. */
    Path file(final int cycle)
    {
        return names.resourceFor(cycle).path.toPath();
    }

    /**
     * @return the cycles whose files exist, in order; names that are not a cycle's are ignored.
     * @throws UncheckedIOException if the directory cannot be listed.
     */
    int[] list()
    {
        final IntHashSet cycles = new IntHashSet();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SingleChronicleQueue.SUFFIX))
        {
            for (final Path file : files)
            {
                final String name = file.getFileName().toString();
                try
                {
                    cycles.add(names.parseCount(
                        name.substring(0, name.length() - SingleChronicleQueue.SUFFIX.length())));
                }
                catch (final RuntimeException e)
                {
                    LOG.debug("spill store {}: ignoring {}", directory, name);
                }
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("spill store " + directory + ": listing", e);
        }
        final int[] sorted = new int[cycles.size()];
        int i = 0;
        for (final IntHashSet.IntIterator it = cycles.iterator(); it.hasNext(); )
        {
            sorted[i++] = it.nextValue();
        }
        Arrays.sort(sorted);
        return sorted;
    }

    /** @return the first cycle after {@code cycle} whose file exists, or {@link #NO_CYCLE}. */
    int firstAfter(final int cycle)
    {
        for (final int c : list())
        {
            if (c > cycle)
            {
                return c;
            }
        }
        return NO_CYCLE;
    }

    /**
     * @param name a file name that starts with a cycle file's name and its suffix, as Chronicle names the files it
     *             sets aside ({@code 20231114-2210V.cq4-1700000000000.discard}).
     * @return the cycle it names, or {@link #NO_CYCLE}.
     */
    int cycleOfSetAside(final String name)
    {
        final int suffix = name.indexOf(SingleChronicleQueue.SUFFIX + "-");
        if (suffix > 0)
        {
            try
            {
                return names.parseCount(name.substring(0, suffix));
            }
            catch (final RuntimeException e)
            {
                LOG.debug("spill store {}: {} names no cycle", directory, name);
            }
        }
        return NO_CYCLE;
    }

    /**
     * Deletes the files of every cycle before {@code keepFrom}; one that cannot be deleted is logged and left.
     *
     * @return whether any file was deleted.
     */
    boolean deleteBefore(final int keepFrom)
    {
        boolean deleted = false;
        for (final int cycle : list())
        {
            if (cycle >= keepFrom)
            {
                break;
            }
            final Path file = file(cycle);
            try
            {
                deleted |= Files.deleteIfExists(file);
                LOG.debug("spill store {}: deleted consumed {}", directory, file.getFileName());
            }
            catch (final IOException e)
            {
                LOG.warn("spill store {}: cannot delete consumed {}: {}", directory, file.getFileName(), e.toString());
            }
        }
        return deleted;
    }
}
