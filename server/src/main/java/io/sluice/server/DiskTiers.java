package io.sluice.server;

import io.netty.buffer.ByteBufAllocator;

import io.sluice.spill.DeadLetterStore;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes the disk tiers of spill lanes and owns the spill thread they share, started on first use.
 * A durable subscription's tier lives in {@code spill-dir/<stream>/<subscription>}; a lane without a durable name
 * gets {@code spill-dir/<stream>/.conn-<n>}, deleted when the lane closes.
 */
final class DiskTiers implements AutoCloseable
{
    private final Path root;
    private final AtomicLong connections = new AtomicLong();
    private final int maxFrameLength;
    private final DeadLetterStore deadLetters;
    private SpillWorker worker;

    /**
     * @param deadLetters the relay's dead-letter store, drained by the spill thread; null when none is kept.
     */
    DiskTiers(final Path root, final int maxFrameLength, final DeadLetterStore deadLetters)
    {
        this.root = root;
        this.maxFrameLength = maxFrameLength;
        this.deadLetters = deadLetters;
        if (deadLetters != null)
        {
            worker = new SpillWorker();
            worker.add(deadLetters);
        }
    }

    /** @return where lanes hand what they drop, or null when dead letters are not kept. */
    DeadLetterStore deadLetters()
    {
        return deadLetters;
    }

    synchronized DiskTier create(
        final String stream, final String subscription, final StreamConfig config, final ByteBufAllocator alloc,
        final Runnable wakeLane)
    {
        if (worker == null)
        {
            worker = new SpillWorker();
        }
        final boolean durable = !subscription.isEmpty();
        final String name = durable ? subscription : ".conn-" + ProcessHandle.current().pid() + "-" +
            connections.incrementAndGet();
        return new ChronicleDiskTier(worker, root.resolve(stream).resolve(name), durable, config.spillQuotaBytes(),
            maxFrameLength, alloc, wakeLane);
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
