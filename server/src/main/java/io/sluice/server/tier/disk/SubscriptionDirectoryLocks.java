package io.sluice.server.tier.disk;

import io.sluice.spill.SpillStore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The locks of every store in a durable subscription's directory ({@code main}, {@code head-N}), taken together so
 * that nothing deletes a directory a store holds: a connected subscription here, or a relay in another process on the
 * same spill directory. Held while the directory is deleted, so that no store can open it half way through. The same
 * lock file and the same kind of lock as the store's own ({@link SpillStore#LOCK_FILE_NAME}).
 */
final class SubscriptionDirectoryLocks implements AutoCloseable
{
    private final List<FileChannel> channels = new ArrayList<>();

    private SubscriptionDirectoryLocks()
    {
    }

    /** @return every store's lock held, or null when some store's lock is held elsewhere (nothing is held then). */
    static SubscriptionDirectoryLocks tryAcquire(final Path directory) throws IOException
    {
        final SubscriptionDirectoryLocks locks = new SubscriptionDirectoryLocks();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory))
        {
            for (final Path entry : entries)
            {
                if (isStore(entry) && !locks.lock(entry.resolve(SpillStore.LOCK_FILE_NAME)))
                {
                    locks.close();
                    return null;
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            locks.close();
            throw ex;
        }
        return locks;
    }

    /** @return whether {@code entry} is one of a tier's stores, as {@link DiskTierStores} names them. */
    static boolean isStore(final Path entry)
    {
        final String name = entry.getFileName().toString();
        return ("main".equals(name) || name.startsWith("head-")) &&
            Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS);
    }

    private boolean lock(final Path lockFile) throws IOException
    {
        final FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        channels.add(channel);
        final FileLock lock;
        try
        {
            lock = channel.tryLock();
        }
        catch (final OverlappingFileLockException ex)
        {
            // A store of this relay holds it.
            return false;
        }
        return lock != null;
    }

    /** Releases every lock (closing a channel releases its lock). */
    @Override
    public void close()
    {
        for (final FileChannel channel : channels)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ex)
            {
                DiskTierLog.LOG.debug("closing lock file channel", ex);
            }
        }
        channels.clear();
    }
}
