package io.sluice.spill;

import net.openhft.chronicle.core.time.SetTimeProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Shared test helpers.
 */
final class SpillTests
{
    /**
     * Disk use of a drained store: Chronicle's metadata.cq4t (4-16 KiB allocated), the current cycle file's header
     * and index pages (12-64 KiB) and at most 128 KiB of consumed frames in it (beyond that a drain starts a new file).
     */
    static final long DRAINED_DISK_BOUND = 256 * 1024;

    /** 2023-11-14T22:13:20Z, in nanoseconds. */
    static final long START_NANOS = 1_700_000_000_000L * 1_000_000L;

    private SpillTests()
    {
    }

    static SetTimeProvider clock()
    {
        return new SetTimeProvider(START_NANOS);
    }

    /**
     * @return "name allocated/length" for every file in {@code dir}, for assertion messages.
     */
    static String listing(final Path dir)
    {
        try (Stream<Path> files = Files.list(dir))
        {
            return files.sorted().map(file ->
            {
                try
                {
                    return file.getFileName() + " " + FileSizes.allocated(file) + "/" + Files.size(file);
                }
                catch (final IOException e)
                {
                    throw new UncheckedIOException(e);
                }
            }).collect(Collectors.joining(", ", "[", "]"));
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @return the cycle files in {@code dir}, oldest first.
     */
    static Path[] cycleFiles(final Path dir)
    {
        try (Stream<Path> files = Files.list(dir))
        {
            return files.filter(f -> f.getFileName().toString().endsWith(".cq4")).sorted().toArray(Path[]::new);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }
}
