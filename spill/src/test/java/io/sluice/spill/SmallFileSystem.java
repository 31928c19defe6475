package io.sluice.spill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import java.util.stream.Stream;

/**
 * A file system of a given size that holds only what is under one folder: usable space is the size minus what the
 * files there allocate. Lets a test see how a store behaves on a nearly full disk without mounting one.
 */
class SmallFileSystem extends FileStore
{
    private final Path root;
    private final long size;

    SmallFileSystem(final Path root, final long size)
    {
        this.root = root;
        this.size = size;
    }

    @Override
    public String name()
    {
        return "small-" + size;
    }

    @Override
    public String type()
    {
        return "simulated";
    }

    @Override
    public boolean isReadOnly()
    {
        return false;
    }

    @Override
    public long getTotalSpace()
    {
        return size;
    }

    @Override
    public long getUsableSpace() throws IOException
    {
        return Math.max(0, size - used());
    }

    @Override
    public long getUnallocatedSpace() throws IOException
    {
        return getUsableSpace();
    }

    private long used() throws IOException
    {
        try (Stream<Path> files = Files.walk(root))
        {
            return files.filter(Files::isRegularFile).mapToLong(file ->
            {
                try
                {
                    return FileSizes.allocated(file);
                }
                catch (final IOException e)
                {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
        catch (final UncheckedIOException e)
        {
            throw e.getCause();
        }
    }

    @Override
    public boolean supportsFileAttributeView(final Class<? extends FileAttributeView> type)
    {
        return false;
    }

    @Override
    public boolean supportsFileAttributeView(final String name)
    {
        return false;
    }

    @Override
    public <V extends FileStoreAttributeView> V getFileStoreAttributeView(final Class<V> type)
    {
        return null;
    }

    @Override
    public Object getAttribute(final String attribute)
    {
        throw new UnsupportedOperationException(attribute);
    }
}
