package io.sluice.server.tier.disk;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

import static io.sluice.server.tier.disk.DiskTierLog.LOG;
import static io.sluice.server.tier.disk.DiskTierLog.WARNINGS;

/**
 * Deletes durable subscriptions nobody has used for their stream's {@code inactive-after}: a duty of the spill thread
 * (deleting files blocks; it must not run on an event loop), at a coarse interval. Looks only at
 * {@code spill-dir/<stream>/<subscription>} directories that hold a tier's stores or an {@link IdleMarker}; names
 * starting with a dot ({@code .conn-*} of subscriptions without a name, the warm-up store) and anything else are left
 * alone. A directory a tier of this relay has claimed, or whose stores' locks are held (a connected subscription, or
 * a relay in another process), is kept. Idle time comes from the marker on disk, so it survives restarts; a directory
 * found idle without a marker starts its clock at that sweep.
 */
final class InactiveSubscriptionSweep implements Agent
{
    private static final long MIN_INTERVAL_MS = 1_000;
    private static final long MAX_INTERVAL_MS = 60_000;

    private final Path root;
    private final ToLongFunction<String> inactiveAfterMs;
    private final long intervalMs;
    private final EpochClock clock;
    private final DiskTierClaims claims;
    private final SpillCounters counters;
    private long nextSweepMs;

    /**
     * @param root            the spill directory.
     * @param inactiveAfterMs a stream's {@code inactive-after} by its name; 0 keeps its subscriptions for ever.
     * @param intervalMs      time between sweeps (see {@link #intervalMs(long)}).
     * @param clock           wall clock, the one {@link IdleMarker}s are written with.
     * @param claims          the tiers of this relay and their directories.
     */
    InactiveSubscriptionSweep(final Path root, final ToLongFunction<String> inactiveAfterMs, final long intervalMs,
        final EpochClock clock, final DiskTierClaims claims, final SpillCounters counters)
    {
        this.root = root;
        this.inactiveAfterMs = inactiveAfterMs;
        this.intervalMs = intervalMs;
        this.clock = clock;
        this.claims = claims;
        this.counters = counters;
        this.nextSweepMs = clock.time() + intervalMs;
    }

    /**
     * A tenth of the shortest {@code inactive-after}, between 1 s and a minute: a subscription outlives its time by at
     * most a tenth of it (a minute for long times), and a sweep, one directory listing per stream, stays rare.
     */
    static long intervalMs(final long shortestInactiveAfterMs)
    {
        return Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, shortestInactiveAfterMs / 10));
    }

    @Override
    public int doWork()
    {
        final long now = clock.time();
        if (now < nextSweepMs)
        {
            return 0;
        }
        nextSweepMs = now + intervalMs;
        return sweep(now);
    }

    /**
     * An I/O error (a directory removed by hand meanwhile, a permission) skips that directory until the next sweep and
     * is logged: the duty must not leave the spill thread over one directory.
     *
     * @return subscriptions deleted.
     */
    int sweep(final long now)
    {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS))
        {
            return 0;
        }
        int deleted = 0;
        try (DirectoryStream<Path> streams = Files.newDirectoryStream(root))
        {
            for (final Path stream : streams)
            {
                final String name = stream.getFileName().toString();
                final long limit = isOurs(stream) ? inactiveAfterMs.applyAsLong(name) : 0;
                if (limit > 0)
                {
                    deleted += sweepStream(stream, name, limit, now);
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            WARNINGS.warn("inactive subscriptions: cannot list {}: {}", root, ex.toString());
        }
        return deleted;
    }

    private int sweepStream(final Path stream, final String name, final long limit, final long now)
    {
        int deleted = 0;
        try (DirectoryStream<Path> subscriptions = Files.newDirectoryStream(stream))
        {
            for (final Path subscription : subscriptions)
            {
                try
                {
                    if (isOurs(subscription) && isTier(subscription) && !claims.holds(subscription) &&
                        expire(name, subscription, limit, now))
                    {
                        deleted++;
                    }
                }
                catch (final IOException | RuntimeException ex)
                {
                    WARNINGS.warn("inactive subscriptions: skipped {}: {}", subscription, ex.toString());
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            WARNINGS.warn("inactive subscriptions: cannot list {}: {}", stream, ex.toString());
        }
        return deleted;
    }

    private boolean expire(final String stream, final Path subscription, final long limit, final long now)
        throws IOException
    {
        try (SubscriptionDirectoryLocks locks = SubscriptionDirectoryLocks.tryAcquire(subscription))
        {
            if (locks == null)
            {
                return false;
            }
            final IdleMarker marker = IdleMarker.read(subscription);
            if (marker == null)
            {
                IdleMarker.write(subscription, now, IdleMarker.UNKNOWN);
                return false;
            }
            final long idleMs = now - marker.sinceMillis();
            if (idleMs < limit)
            {
                return false;
            }
            // Logged before it is counted: whoever sees the count can find the line.
            LOG.info("durable subscription {} of stream {} deleted after {} s without a connection; it held {} bytes " +
                "of messages, now lost", subscription.getFileName(), stream, TimeUnit.MILLISECONDS.toSeconds(idleMs),
                marker.backlogBytes() == IdleMarker.UNKNOWN ? "an unknown number of" : marker.backlogBytes());
            DiskTierStores.deleteTree(subscription);
            counters.onInactiveDeleted(marker.backlogBytes());
            return true;
        }
    }

    /** @return whether {@code entry} is a stream's or a subscription's directory: not hidden, not a file. */
    static boolean isOurs(final Path entry)
    {
        return !entry.getFileName().toString().startsWith(".") && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS);
    }

    private static boolean isTier(final Path subscription) throws IOException
    {
        if (Files.exists(subscription.resolve(IdleMarker.FILE_NAME), LinkOption.NOFOLLOW_LINKS))
        {
            return true;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(subscription))
        {
            for (final Path entry : entries)
            {
                if (SubscriptionDirectoryLocks.isStore(entry))
                {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public String roleName()
    {
        return "inactive-subscription-sweep";
    }
}
