package io.sluice.server;

import io.netty.buffer.ByteBufAllocator;

import java.nio.file.Path;

/**
 * Makes the disk tiers of spill lanes. (Placeholder while the spill module's store is being built.)
 */
final class DiskTiers implements AutoCloseable
{
    DiskTiers(final Path root)
    {
    }

    DiskTier create(
        final String stream, final String subscription, final StreamConfig config, final ByteBufAllocator alloc,
        final Runnable wakeLane)
    {
        throw new UnsupportedOperationException("the spill strategy's disk tier is not available in this build");
    }

    @Override
    public void close()
    {
    }
}
