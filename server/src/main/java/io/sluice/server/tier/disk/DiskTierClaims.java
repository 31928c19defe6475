package io.sluice.server.tier.disk;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which disk tiers hold which directory, in the order they joined the spill thread; spill thread only (the count is
 * published for the log of a relay waiting on it). A durable subscription's next connection gets a tier for the same
 * directory while the previous connection's tier may still be writing its hand-over there: the newer one must not
 * open the directory before the older one has finished.
 */
final class DiskTierClaims
{
    private final List<DiskTierAgent> tiers = new ArrayList<>();
    private volatile int count;

    void claim(final DiskTierAgent tier)
    {
        tiers.add(tier);
        count = tiers.size();
    }

    void release(final DiskTierAgent tier)
    {
        tiers.remove(tier);
        count = tiers.size();
    }

    /** @return whether a tier that claimed before {@code tier} and has not finished holds its directory. */
    boolean heldBefore(final DiskTierAgent tier)
    {
        for (final DiskTierAgent other : tiers)
        {
            if (other == tier)
            {
                return false;
            }
            if (other.directory().equals(tier.directory()))
            {
                return true;
            }
        }
        return false;
    }

    /** @return whether a tier of this relay that has not finished holds {@code directory}. */
    boolean holds(final Path directory)
    {
        for (final DiskTierAgent tier : tiers)
        {
            if (tier.directory().equals(directory))
            {
                return true;
            }
        }
        return false;
    }

    /** @return tiers that have not finished; any thread. */
    int count()
    {
        return count;
    }
}
