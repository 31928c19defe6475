package io.sluice.spill;

import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.table.ReadonlyTableStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static io.sluice.spill.SpillFailures.closeQuietly;
import static io.sluice.spill.SpillFailures.isEnvironmental;
import static io.sluice.spill.SpillFailures.propagate;

/**
 * Builds a store's Chronicle queue, and recovers from a damaged {@code metadata.cq4t} (Chronicle's table store, which
 * holds the read position): only a file that is itself damaged is replaced; a failure of the environment is thrown and
 * the file, with the read position, is left as it was.
 */
final class SpillQueueOpener
{
    static final String DISCARD_SUFFIX = ".discard";

    // Logs as the store: operators configure, and tests watch, the store's logger.
    private static final Logger LOG = LoggerFactory.getLogger(SpillStore.class);
    private static final long CHRONICLE_TIMEOUT_MS = 100;
    private static final String METADATA_CHECK_DIR = ".metadata-check";

    private SpillQueueOpener()
    {
    }

    /** Builds the Chronicle queue of a store directory: {@link #newQueue}, or one that fails when a test says so. */
    @FunctionalInterface
    interface QueueFactory
    {
        SingleChronicleQueue open(Path directory, SpillConfig config, SegmentClock clock);
    }

    /**
     * Builds the queue of {@code directory}; when its {@code metadata.cq4t} is damaged (not merely unreadable now),
     * sets that aside and starts a new one, losing the read position.
     *
     * @param directory the store's directory, locked by the caller.
     * @param config    the store's settings.
     * @param clock     the clock the queue sees.
     * @param opener    builds the queue ({@link #newQueue} but in tests).
     * @return the queue, its metadata writable.
     */
    static SingleChronicleQueue open(
        final Path directory, final SpillConfig config, final SegmentClock clock, final QueueFactory opener)
    {
        try
        {
            return openWritable(directory, config, clock, opener);
        }
        catch (final Exception | AssertionError e)
        {
            // The store holds the directory lock, so no other store holds Chronicle's table-store lock; but a failure
            // here may still be the environment's (too many open files, no memory to map, a lock held by a tool) and
            // gone a moment later. Only a metadata.cq4t that is itself damaged is set aside (losing the read position):
            // otherwise the failure is thrown and the file, with the read position, is left as it was.
            final Path metadata = directory.resolve(SingleChronicleQueue.QUEUE_METADATA_FILE);
            if (!Files.exists(metadata) || !metadataDamaged(directory, config, opener, e))
            {
                throw propagate(e);
            }
            final Path aside =
                directory.resolve(metadata.getFileName() + "-" + System.currentTimeMillis() + DISCARD_SUFFIX);
            try
            {
                Files.move(metadata, aside);
            }
            catch (final IOException io)
            {
                e.addSuppressed(io);
                throw propagate(e);
            }
            final SingleChronicleQueue queue;
            try
            {
                queue = openWritable(directory, config, clock, opener);
            }
            catch (final Exception | AssertionError retry)
            {
                e.addSuppressed(retry);
                try
                {
                    Files.move(aside, metadata, StandardCopyOption.REPLACE_EXISTING);
                }
                catch (final IOException io)
                {
                    e.addSuppressed(io);
                }
                throw propagate(e);
            }
            LOG.warn("spill store {}: {} is damaged ({}); started a new one: the read position is lost, so frames not "
                + "yet deleted will be delivered again", directory, metadata.getFileName(), e.toString());
            return queue;
        }
    }

    /**
     * Whether the metadata file is damaged, as opposed to unreadable now: its bytes, copied into a folder nobody else
     * uses, fail to open again (for a reason other than I/O). If the copy opens, the file is intact and the failure
     * was the environment's.
     */
    private static boolean metadataDamaged(
        final Path directory, final SpillConfig config, final QueueFactory opener, final Throwable failure)
    {
        if (isEnvironmental(failure))
        {
            return false;
        }
        final Path scratch = directory.resolve(METADATA_CHECK_DIR);
        try
        {
            deleteScratch(scratch);
            Files.createDirectories(scratch);
            Files.copy(directory.resolve(SingleChronicleQueue.QUEUE_METADATA_FILE),
                scratch.resolve(SingleChronicleQueue.QUEUE_METADATA_FILE));
        }
        catch (final IOException io)
        {
            failure.addSuppressed(io);
            deleteScratch(scratch);
            return false;
        }
        try
        {
            closeQuietly(openWritable(scratch, config, new SegmentClock(config.timeProvider()), opener));
            return false;
        }
        catch (final Exception | AssertionError copyFailure)
        {
            return !isEnvironmental(copyFailure);
        }
        finally
        {
            BackgroundResourceReleaser.releasePendingResources();
            deleteScratch(scratch);
        }
    }

    /**
     * Builds the queue; one whose metadata Chronicle could only open read-only (it falls back to that) is a failure.
     */
    private static SingleChronicleQueue openWritable(
        final Path directory, final SpillConfig config, final SegmentClock clock, final QueueFactory opener)
    {
        final SingleChronicleQueue queue = opener.open(directory, config, clock);
        if (queue.metaStore() instanceof ReadonlyTableStore)
        {
            closeQuietly(queue);
            throw new IllegalStateException("Chronicle could open " + SingleChronicleQueue.QUEUE_METADATA_FILE
                + " in " + directory + " only read-only");
        }
        return queue;
    }

    private static void deleteScratch(final Path scratch)
    {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(scratch))
        {
            for (final Path file : files)
            {
                Files.deleteIfExists(file);
            }
        }
        catch (final NoSuchFileException e)
        {
            return;
        }
        catch (final IOException e)
        {
            LOG.debug("spill store: cleaning {}", scratch, e);
        }
        try
        {
            Files.deleteIfExists(scratch);
        }
        catch (final IOException e)
        {
            LOG.debug("spill store: deleting {}", scratch, e);
        }
    }

    /**
     * Checks that the queue's blocks take records of the configured frames (Chronicle's overlap, less 8 bytes, bounds
     * a document), so that no append can find its record too long for the file.
     *
     * @return the longest record (frame and record header) the store writes or accepts when reading.
     * @throws IllegalArgumentException if the block size is too small for {@link SpillConfig#maxFrameLength()}.
     */
    static int maxRecordLength(final SingleChronicleQueue queue, final SpillConfig config)
    {
        final int maxRecordLength = config.maxFrameLength() + SpillRecordDescriptor.HEADER_LENGTH;
        if (maxRecordLength + 8L > queue.overlapSize())
        {
            throw new IllegalArgumentException("blockSize " + queue.blockSize() + " holds records of at most "
                + (queue.overlapSize() - 8) + " bytes; frames of " + config.maxFrameLength() + " need more");
        }
        return maxRecordLength;
    }

    /** Builds the queue of a store directory as every store does. */
    static SingleChronicleQueue newQueue(final Path directory, final SpillConfig config, final SegmentClock clock)
    {
        return SingleChronicleQueueBuilder.binary(directory.toFile())
            .rollCycle(config.rollCycle())
            .blockSize(config.blockSize())
            .timeProvider(clock)
            .timeoutMS(CHRONICLE_TIMEOUT_MS)
            .checkInterrupts(false)
            .build();
    }
}
