package io.sluice.spill;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Keeps a second store off a spill directory, in this process or another: an exclusive lock on
 * {@link SpillStore#LOCK_FILE_NAME} in it, held from open to close. Two stores on one directory would interleave their
 * appends' logical offsets and both move the read position.
 */
final class SpillDirectoryLock implements AutoCloseable
{
    // Logs as the store: operators configure, and tests watch, the store's logger.
    private static final Logger LOG = LoggerFactory.getLogger(SpillStore.class);

    private final Path directory;
    private final FileChannel channel;
    private final FileLock lock;

    private SpillDirectoryLock(final Path directory, final FileChannel channel, final FileLock lock)
    {
        this.directory = directory;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code directory}, which must exist; creates the lock file if needed.
     *
     * @param directory the store's directory.
     * @return the held lock.
     * @throws IllegalStateException if the directory is locked already, by this process or another.
     * @throws IOException           if the lock file cannot be opened or locked.
     */
    static SpillDirectoryLock acquire(final Path directory) throws IOException
    {
        final FileChannel channel = FileChannel.open(
            directory.resolve(SpillStore.LOCK_FILE_NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = null;
        try
        {
            lock = channel.tryLock();
        }
        catch (final OverlappingFileLockException e)
        {
            // Held by a channel of this JVM: the same answer as another process's lock.
        }
        catch (final IOException | RuntimeException e)
        {
            closeChannel(directory, channel);
            throw e;
        }
        if (lock == null)
        {
            closeChannel(directory, channel);
            throw new IllegalStateException("spill store " + directory + " is already open");
        }
        return new SpillDirectoryLock(directory, channel, lock);
    }

    /** Releases the lock and closes the lock file (which stays, for the next store). Logs, never throws. */
    @Override
    public void close()
    {
        try
        {
            lock.release();
        }
        catch (final IOException e)
        {
            LOG.debug("spill store {}: releasing the lock", directory, e);
        }
        closeChannel(directory, channel);
    }

    private static void closeChannel(final Path directory, final FileChannel channel)
    {
        try
        {
            channel.close();
        }
        catch (final IOException e)
        {
            LOG.debug("spill store {}: closing the lock file", directory, e);
        }
    }
}
