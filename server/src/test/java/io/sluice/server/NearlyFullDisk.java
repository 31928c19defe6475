package io.sluice.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;

/** A file system whose usable space the test sets, and which can fail the way a mapped-file fault does. */
public final class NearlyFullDisk extends FileStore
{
    private final FileStore real;
    public volatile long total = 1L << 40;
    public volatile long usable = 1L << 40;
    public volatile boolean fault;

    public NearlyFullDisk(final Path dir)
    {
        try
        {
            this.real = Files.getFileStore(dir);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public long getUsableSpace()
    {
        if (fault)
        {
            throw new InternalError("a fault occurred in an unsafe memory access operation");
        }
        return usable;
    }

    @Override
    public long getTotalSpace()
    {
        return total;
    }

    @Override
    public long getUnallocatedSpace()
    {
        return getUsableSpace();
    }

    @Override
    public String name()
    {
        return real.name();
    }

    @Override
    public String type()
    {
        return real.type();
    }

    @Override
    public boolean isReadOnly()
    {
        return false;
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
