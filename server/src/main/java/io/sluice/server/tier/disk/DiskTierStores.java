package io.sluice.server.tier.disk;

import io.sluice.spill.SpillConfig;
import io.sluice.spill.SpillStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static io.sluice.server.tier.disk.DiskTierLog.LOG;
import static io.sluice.server.tier.disk.DiskTierLog.WARNINGS;

/**
 * The stores of one disk tier, spill thread only. A tier is a folder holding a {@code main} store (FIFO of what the
 * lane spilled) and zero or more {@code head-N} stores: frames that were older than everything in {@code main} when a
 * lane closed, restored newest head first, before {@code main}. The lane's quota covers all of them: {@code main} may
 * use what the heads (only ever read, so only shrinking) leave.
 */
final class DiskTierStores
{
    // A consumer that keeps up drains the store again and again; starting a file and deleting the drained one cost
    // the spill thread tens of milliseconds, so only a lane whose producers paused for a second rolls.
    private static final long DRAIN_ROLL_IDLE_MILLIS = 1000;

    private final Path directory;
    private final long quotaBytes;
    private final int maxFrameLength;
    private final UnaryOperator<SpillConfig> storeSettings;
    private final long closeReserveBytes;
    private final boolean acknowledgedReads;
    private final List<SpillStore> heads = new ArrayList<>();
    private SpillStore main;
    private long lastHeadNumber;
    // Damage counted by head stores already drained and closed.
    private long retiredDamage;

    /**
     * @param storeSettings     applied to every store's settings (tests simulate a small file system with it).
     * @param closeReserveBytes free space beyond the margin that {@code main} keeps for a durable lane's hand-over.
     * @param acknowledgedReads   whether {@code main} keeps each record read until it is released (a journaled tier).
     */
    DiskTierStores(
        final Path directory, final long quotaBytes, final int maxFrameLength,
        final UnaryOperator<SpillConfig> storeSettings, final long closeReserveBytes, final boolean acknowledgedReads)
    {
        this.acknowledgedReads = acknowledgedReads;
        this.directory = directory;
        this.quotaBytes = quotaBytes;
        this.maxFrameLength = maxFrameLength;
        this.storeSettings = storeSettings;
        this.closeReserveBytes = closeReserveBytes;
    }

    Path directory()
    {
        return directory;
    }

    boolean isOpen()
    {
        return main != null;
    }

    SpillStore main()
    {
        return main;
    }

    boolean hasHeads()
    {
        return !heads.isEmpty();
    }

    /**
     * Opens the heads (newest first) and {@code main}, and logs what waits in them.
     *
     * @return bytes of frames waiting (what damage destroyed included: the reader counts it as it passes).
     */
    long open()
    {
        try
        {
            Files.createDirectories(directory);
            try (Stream<Path> entries = Files.list(directory))
            {
                final List<Path> headDirs = entries
                    .filter(p -> p.getFileName().toString().startsWith("head-"))
                    .sorted(Comparator.comparingLong(DiskTierStores::headNumber).reversed())
                    .toList();
                for (final Path head : headDirs)
                {
                    heads.add(SpillStore.open(config(head)));
                    lastHeadNumber = Math.max(lastHeadNumber, headNumber(head));
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        main = SpillStore.open(mainConfig(directory.resolve("main")));
        main.reserveBytes(closeReserveBytes);
        shareQuota();
        long records = 0;
        long bytes = 0;
        long damaged = 0;
        for (final SpillStore store : stores())
        {
            records += store.backlogMessages();
            bytes += store.backlogBytes();
            damaged += store.damagedBacklogBytes();
        }
        if (records > 0)
        {
            // Frames are not counted at open (that would read the backlog); bytes are exact (what damage destroyed is
            // known from the records' offsets), records are batches.
            LOG.info("disk tier {} opened with {} bytes of messages waiting ({} records)", directory, bytes - damaged,
                records);
        }
        if (damaged > 0)
        {
            WARNINGS.warn("disk tier {}: {} bytes of messages recorded on disk are lost to damaged files; the " +
                "subscriber gets GAP frames for them where the ranges are known", directory, damaged);
        }
        return bytes;
    }

    /**
     * @return the store to restore from next (the newest head holding something, else {@code main}), or null when all
     * are empty; drained heads are closed and deleted on the way.
     */
    SpillStore nextSource()
    {
        while (!heads.isEmpty())
        {
            final SpillStore head = heads.get(0);
            if (!head.isEmpty())
            {
                return head;
            }
            heads.remove(0);
            retiredDamage += head.damagedBytes();
            head.close();
            deleteTree(head.config().directory());
            shareQuota();
        }
        return main.isEmpty() ? null : main;
    }

    /** @return bytes every store of the tier, drained heads included, counted as lost to damage so far. */
    long damagedBytes()
    {
        long damage = retiredDamage;
        for (final SpillStore head : heads)
        {
            damage += head.damagedBytes();
        }
        return damage + main.damagedBytes();
    }

    /** @return bytes the stores use on disk. */
    long diskBytes()
    {
        long bytes = main == null ? 0 : main.diskBytes();
        for (final SpillStore head : heads)
        {
            bytes += head.diskBytes();
        }
        return bytes;
    }

    /** The quota is the lane's: the main store may take what the head stores leave. */
    void shareQuota()
    {
        long headBytes = 0;
        for (final SpillStore head : heads)
        {
            headBytes += head.diskBytes();
        }
        main.quotaBytes(quotaBytes - headBytes);
    }

    /**
     * Everything on disk was consumed, yet the quota is still taken (the drained cycle file is the one appends go to,
     * and a new one has no room): an empty {@code main} holds nothing to keep, so it starts afresh.
     */
    void startMainAfresh()
    {
        final Path mainDir = directory.resolve("main");
        retiredDamage += main.damagedBytes();
        main.close();
        deleteTree(mainDir);
        main = SpillStore.open(mainConfig(mainDir));
        main.reserveBytes(closeReserveBytes);
        shareQuota();
    }

    /** A closing lane's hand-over: {@code main} takes it whole, past the quota and the close reserve. */
    void unboundMain()
    {
        main.quotaBytes(Long.MAX_VALUE);
        main.reserveBytes(0);
    }

    /** @return a new head store, without quota, for frames older than everything on disk. */
    SpillStore openHead()
    {
        final SpillStore head = SpillStore.open(config(directory.resolve("head-" + (lastHeadNumber + 1))));
        heads.add(head);
        head.quotaBytes(Long.MAX_VALUE);
        return head;
    }

    /** @return bytes of frames waiting in the stores, as far as they can still tell (a failing store says 0). */
    long strandedBytes()
    {
        long bytes = 0;
        for (final SpillStore store : stores())
        {
            try
            {
                bytes += store.backlogBytes();
            }
            catch (final RuntimeException ex)
            {
                // Nothing to add.
            }
        }
        return bytes;
    }

    /** Closes every store, whatever each close throws (logged), releasing the directory for the next tier. */
    void close()
    {
        for (final SpillStore store : stores())
        {
            try
            {
                store.close();
            }
            catch (final RuntimeException | Error ex)
            {
                LOG.warn("disk tier {}: closing {}: {}", directory, store.config().directory(), ex.toString());
            }
        }
        heads.clear();
        main = null;
    }

    private List<SpillStore> stores()
    {
        final List<SpillStore> stores = new ArrayList<>(heads);
        if (main != null)
        {
            stores.add(main);
        }
        return stores;
    }

    private SpillConfig mainConfig(final Path dir)
    {
        return config(dir).withAcknowledgedReads(acknowledgedReads);
    }

    private SpillConfig config(final Path dir)
    {
        return storeSettings.apply(SpillConfig.of(dir, quotaBytes).withMaxFrameLength(maxFrameLength)
            .withDrainRollIdleMillis(DRAIN_ROLL_IDLE_MILLIS));
    }

    private static long headNumber(final Path head)
    {
        try
        {
            return Long.parseLong(head.getFileName().toString().substring("head-".length()));
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }

    static void deleteTree(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException | UncheckedIOException ex)
        {
            LOG.warn("could not delete {}: {}", dir, ex.toString());
        }
    }
}
