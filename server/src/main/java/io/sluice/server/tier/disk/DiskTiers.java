package io.sluice.server.tier.disk;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.server.config.InactiveAfter;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.spill.deadletter.DeadLetterStore;
import io.sluice.spill.SpillConfig;
import io.sluice.spill.SpillStore;
import org.agrona.concurrent.SystemEpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Makes the disk tiers of spill lanes and owns the spill thread they share, started on first use, when it first warms
 * Chronicle Queue up (see {@link #warmUp()}). A durable subscription's tier lives in
 * {@code spill-dir/<stream>/<subscription>}; a lane without a durable name gets {@code spill-dir/<stream>/.conn-<n>},
 * deleted when the lane closes.
 */
public final class DiskTiers implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(DiskTiers.class);
    private static final long HAND_OVER_SLACK_BYTES = 2L << 20;

    private final Path root;
    private final AtomicLong connections = new AtomicLong();
    private final int maxFrameLength;
    private final DeadLetterStore deadLetters;
    private final SpillCounters counters;
    private final UnaryOperator<SpillConfig> storeSettings;
    private SpillWorker worker;
    private volatile String warmedOn;
    private boolean warmUpStarted;

    /**
     * @param deadLetters the relay's dead-letter store, drained by the spill thread; null when none is kept.
     * @param counters where tiers count what they could not keep.
     * @param storeSettings applied to every store's settings (tests simulate a small file system with it).
     */
    public DiskTiers(final Path root, final int maxFrameLength, final DeadLetterStore deadLetters,
        final SpillCounters counters, final UnaryOperator<SpillConfig> storeSettings)
    {
        this.root = root;
        this.maxFrameLength = maxFrameLength;
        this.deadLetters = deadLetters;
        this.counters = counters;
        this.storeSettings = storeSettings;
        if (deadLetters != null)
        {
            worker().add(deadLetters);
        }
    }

    /**
     * Has the spill thread delete durable subscriptions that went their stream's {@code inactive-after} without a
     * connection ({@link InactiveSubscriptionSweep}); nothing is started when no stream sets one.
     */
    public void sweepInactiveSubscriptions(final RelayConfig config)
    {
        long shortest = config.defaultStream().inactiveAfterMs();
        for (final StreamConfig stream : config.streams().values())
        {
            final long after = stream.inactiveAfterMs();
            shortest = shortest == InactiveAfter.NEVER || (after != InactiveAfter.NEVER && after < shortest) ?
                after : shortest;
        }
        if (shortest != InactiveAfter.NEVER)
        {
            final SpillWorker spill = worker();
            spill.add(new InactiveSubscriptionSweep(root, stream -> config.streamConfig(stream).inactiveAfterMs(),
                InactiveSubscriptionSweep.intervalMs(shortest), SystemEpochClock.INSTANCE, spill.claims(), counters));
        }
    }

    /** @return where lanes hand what they drop, or null when dead letters are not kept. */
    public DeadLetterStore deadLetters()
    {
        return deadLetters;
    }

    /**
     * @param journal where a journaled tier's lane starts (an acknowledging durable subscription), or null for a tier
     * that spills only what memory cannot hold.
     */
    public synchronized DiskTier create(
        final String stream, final String subscription, final StreamConfig config, final ByteBufAllocator alloc,
        final Runnable wakeLane, final JournalStart journal)
    {
        if (!warmUpStarted)
        {
            // Before the first tier, on the spill thread (tasks run before tiers): by the time this lane first spills,
            // Chronicle has appended, read and dropped pages once.
            warmUpStarted = true;
            warmUp().whenComplete((done, failure) ->
            {
                if (failure != null)
                {
                    LOG.warn("spill directory {} cannot be used: {}", root, failure.toString());
                }
            });
        }
        final boolean durable = !subscription.isEmpty();
        final String name = durable ? subscription : ".conn-" + ProcessHandle.current().pid() + "-" +
            connections.incrementAndGet();
        return new ChronicleDiskTier(worker(), root.resolve(stream).resolve(name), durable, config.spillQuotaBytes(),
            maxFrameLength, alloc, wakeLane, counters, storeSettings, durable ? closeReserve(config) : 0,
            durable ? journal : null);
    }

    /**
     * Free space a durable lane's tier keeps for its hand-over at close: what the lane can hold in memory (its memory
     * tier and hand-off), plus room for its unsent outbound frames, restored chunks and the head store's own files.
     */
    static long closeReserve(final StreamConfig config)
    {
        final long memory = config.strategy().hasMemoryTier() ? Long.highestOneBit(config.memoryBytes()) : 0;
        return memory + config.laneBytes() + HAND_OVER_SLACK_BYTES;
    }

    private synchronized SpillWorker worker()
    {
        if (worker == null)
        {
            worker = new SpillWorker();
        }
        return worker;
    }

    /**
     * Has the spill thread open, use and delete a store under the spill directory, so that Chronicle Queue's start-up
     * (class loading, its background threads, the first mapping, the first appends and reads, the native calls for
     * disk use and the page cache: one to three seconds) is over before the first lane spills rather than stalling
     * its first spill. Never on an event loop. Runs once, when the first disk tier is made (not at relay start, where
     * it competes with the first connections' handshakes for the CPU).
     *
     * @return completes once Chronicle is warm; exceptionally when the spill directory cannot be used.
     */
    CompletableFuture<Void> warmUp()
    {
        final Path dir = root.resolve(".warm-up-" + ProcessHandle.current().pid());
        return worker().submit(() ->
        {
            final byte[] frame = new byte[FrameDescriptor.HEADER_LENGTH];
            try (SpillStore store = SpillStore.open(storeSettings.apply(
                SpillConfig.of(dir, SpillConfig.MIN_QUOTA_BYTES).withMaxFrameLength(maxFrameLength))))
            {
                if (store.append(Unpooled.wrappedBuffer(frame), 0, frame.length) == SpillStore.OK)
                {
                    store.dropCachedPages();
                    store.read((buffer, offset, length) -> {}, 1);
                }
            }
            finally
            {
                DiskTierStores.deleteTree(dir);
            }
            warmedOn = Thread.currentThread().getName();
            LOG.debug("Chronicle Queue warmed up in {}", dir);
        });
    }

    /** @return the thread that warmed Chronicle up, or null before (or without) {@link #warmUp()}. */
    public String warmedOn()
    {
        return warmedOn;
    }

    /** Waits for every tier to finish its hand-overs and close its stores. */
    @Override
    public synchronized void close()
    {
        if (worker != null)
        {
            worker.close();
        }
    }
}
