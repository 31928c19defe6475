package io.sluice.spill.deadletter;

import io.sluice.core.util.RateLimitedLogger;
import io.sluice.spill.SpillConfig;
import io.sluice.spill.SpillStore;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The disk side of a {@link DeadLetterStore}: appends the records its hand-off ring passes to a {@link SpillStore},
 * refusing (and counting) what the quota or the free-space margin does not allow. The thread that opens it owns it
 * (the relay's spill thread); the counters and gauges may be read from any thread.
 */
final class DeadLetterDisk implements MessageHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterStore.class);
    private static final VarHandle WRITTEN;
    private static final VarHandle REFUSED;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            WRITTEN = lookup.findVarHandle(DeadLetterDisk.class, "written", long.class);
            REFUSED = lookup.findVarHandle(DeadLetterDisk.class, "refused", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final SpillConfig config;
    private final RateLimitedLogger refusalLog = new RateLimitedLogger(LOG, 1);

    // The owner only; store is volatile for the gauges.
    private volatile SpillStore store;
    private Thread owner;
    private boolean openFailed;
    private int lastStatus = SpillStore.OK;

    // Written by the owner alone (release stores).
    @SuppressWarnings("unused")
    private long written;
    @SuppressWarnings("unused")
    private long refused;

    /** @param config the store's directory, quota, free-space margin and largest record. */
    DeadLetterDisk(final SpillConfig config)
    {
        this.config = config;
    }

    /** @return whether opening was tried already, whatever its outcome. */
    boolean openTried()
    {
        return store != null || openFailed;
    }

    /**
     * Opens the store on the calling thread, which owns it from then on. Idempotent.
     *
     * @throws IllegalStateException if the directory is held by another store, in this or another process.
     * @throws java.io.UncheckedIOException if it cannot be created or locked.
     */
    void open()
    {
        if (store != null)
        {
            return;
        }
        try
        {
            owner = Thread.currentThread();
            store = SpillStore.open(config);
        }
        catch (final RuntimeException e)
        {
            openFailed = true;
            LOG.error("dead-letter store {} cannot be opened; dropped messages will not be kept", config.directory(),
                e);
            throw e;
        }
    }

    /**
     * @throws IllegalStateException if called from a thread other than the one that opened the store.
     */
    void checkOwner()
    {
        if (owner != null && owner != Thread.currentThread())
        {
            throw new IllegalStateException("dead-letter store " + config.directory() + " is drained by thread "
                + owner.getName() + ", called from " + Thread.currentThread().getName());
        }
    }

    /** Appends one record, or refuses it (counted) when the store is unusable, full or short of free space. */
    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final SpillStore store = this.store;
        int status;
        if (store == null)
        {
            status = SpillStore.DISK_FULL;
        }
        else
        {
            try
            {
                status = store.append(buffer, index, length);
            }
            catch (final RuntimeException e)
            {
                refusalLog.warn("dead-letter store {}: append failed: {}", config.directory(), e.toString());
                status = SpillStore.DISK_FULL;
            }
        }
        if (status == SpillStore.OK)
        {
            WRITTEN.setRelease(this, written + 1);
        }
        else
        {
            REFUSED.setRelease(this, refused + 1);
            if (status != lastStatus && store != null)
            {
                refusalLog.warn(
                    "dead-letter store {}: {}; further dead letters are refused (counted) until there is room",
                    config.directory(), status == SpillStore.QUOTA_EXCEEDED
                        ? "quota of " + config.quotaBytes() + " bytes reached"
                        : "free space below the margin of " + config.freeSpaceMarginBytes() + " bytes");
            }
        }
        lastStatus = status;
    }

    /** Closes the store, if it was opened. The owner. */
    void close()
    {
        final SpillStore store = this.store;
        if (store != null)
        {
            store.close();
        }
    }

    /** @return records appended. Any thread. */
    long written()
    {
        return (long)WRITTEN.getAcquire(this);
    }

    /** @return records refused. Any thread. */
    long refused()
    {
        return (long)REFUSED.getAcquire(this);
    }

    /** @return records on disk, including earlier runs' (0 before the store is opened). Any thread. */
    long storedMessages()
    {
        final SpillStore store = this.store;
        return store == null ? 0 : store.backlogMessages();
    }

    /** @return allocated bytes of the store's files (0 before it is opened). Any thread. */
    long diskBytes()
    {
        final SpillStore store = this.store;
        return store == null ? 0 : store.diskBytes();
    }
}
