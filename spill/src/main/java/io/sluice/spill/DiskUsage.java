package io.sluice.spill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a store's files take on disk, kept without a {@code stat(2)} of every file per frame: the files other than the
 * metadata and the cycle file appends go to do not change between rolls and deletions, so they are measured then
 * ({@link #remeasure()}); the two that change are measured again every {@value #SYNC_BYTES} bytes appended, and the
 * appends in between are added to the estimate. Allocated sizes, as {@link FileSizes} reads them. Owner thread, except
 * {@link #diskBytes()}.
 */
final class DiskUsage
{
    static final long SYNC_BYTES = 1L << 20;

    private final Path directory;
    private final Path metadataFile;
    private Path currentFile;
    private long sealedBytes;
    private volatile long publishedSealedBytes = -1;
    private volatile Path publishedCurrentFile;
    private long estimate;
    private long bytesSinceSync;
    private boolean sparseFiles = true;

    /**
     * @param directory    the store's directory.
     * @param metadataFile Chronicle's metadata file in it.
     */
    DiskUsage(final Path directory, final Path metadataFile)
    {
        this.directory = directory;
        this.metadataFile = metadataFile;
    }

    /** @param file the cycle file appends go to from now on; call {@link #remeasure()} after. */
    void currentFile(final Path file)
    {
        currentFile = file;
    }

    /** Re-reads the allocation of every file: at open, after a roll and after deletions. */
    void remeasure()
    {
        try
        {
            long sealed = 0;
            try (DirectoryStream<Path> files = Files.newDirectoryStream(directory))
            {
                for (final Path file : files)
                {
                    if (file.equals(currentFile))
                    {
                        if (FileSizes.allocationAvailable())
                        {
                            final long length = Files.size(file);
                            sparseFiles = FileSizes.allocated(file) < length || length <= DiskBudget.PAGE * 16;
                        }
                    }
                    else if (!file.equals(metadataFile) && !Files.isDirectory(file))
                    {
                        sealed += FileSizes.allocated(file);
                    }
                }
            }
            sealedBytes = sealed;
            publishedSealedBytes = sealed;
            publishedCurrentFile = currentFile;
            sync();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("spill store " + directory + ": measuring disk use", e);
        }
    }

    /** Adds an append to the estimate; measures the files that change once enough was appended. */
    void onAppended(final long bytes)
    {
        estimate += bytes;
        bytesSinceSync += bytes;
        if (bytesSinceSync >= SYNC_BYTES)
        {
            sync();
        }
    }

    /** @return the store's disk use as last measured plus what was appended since. */
    long estimate()
    {
        return estimate;
    }

    /** @return whether the file system allocates the current file's blocks only as they are written. */
    boolean sparseFiles()
    {
        return sparseFiles;
    }

    /**
     * The allocation of every file, measuring only the two that change (or all, before the first
     * {@link #remeasure()}). Any thread.
     *
     * @return bytes on disk.
     * @throws IOException if a file cannot be measured.
     */
    long diskBytes() throws IOException
    {
        final long sealed = publishedSealedBytes;
        if (sealed < 0)
        {
            return FileSizes.allocatedInDirectory(directory);
        }
        return sealed + liveBytes(publishedCurrentFile);
    }

    private void sync()
    {
        try
        {
            estimate = sealedBytes + liveBytes(currentFile);
            bytesSinceSync = 0;
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("spill store " + directory + ": measuring disk use", e);
        }
    }

    private long liveBytes(final Path current) throws IOException
    {
        return FileSizes.allocated(metadataFile) + (current == null ? 0 : FileSizes.allocated(current));
    }
}
