package io.sluice.server.tier.disk;

import io.sluice.core.util.RateLimitedLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk tier's log: every class of the tier logs under {@link ChronicleDiskTier}'s name, the one operators (and
 * tests) filter on, and full and failed tiers share one rate limit so that a relay with many lanes on a full disk does
 * not flood the log.
 */
final class DiskTierLog
{
    static final Logger LOG = LoggerFactory.getLogger(ChronicleDiskTier.class);
    static final RateLimitedLogger WARNINGS = new RateLimitedLogger(LOG, 5);

    private DiskTierLog()
    {
    }
}
