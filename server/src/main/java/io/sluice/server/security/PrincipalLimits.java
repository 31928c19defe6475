package io.sluice.server.security;

/**
 * What one principal may use, over all its connections at once; 0 means no limit of its own (the relay's limits
 * still apply).
 *
 * @param maxConnections connections open at once.
 * @param maxStreams streams it created that exist at once (streams named in the relay's config do not count).
 * @param maxSubscriptions durable subscriptions connected at once.
 * @param maxFrameLength largest frame, header included, below the relay's: its WELCOME announces the smaller.
 * @param spillQuotaBytes most disk each of its subscriptions' disk tiers may use, below the stream's spill-quota.
 * @param publishRateBytes bytes per second its publishing connections may send together; the relay stops reading
 *                         them while they are ahead (throttle, never drop).
 */
public record PrincipalLimits(int maxConnections, int maxStreams, int maxSubscriptions, int maxFrameLength,
    long spillQuotaBytes, long publishRateBytes)
{
    /** No limits of its own. */
    public static final PrincipalLimits NONE = new PrincipalLimits(0, 0, 0, 0, 0, 0);

    /**
     * @throws IllegalArgumentException naming the limit that is negative.
     */
    public PrincipalLimits
    {
        check(maxConnections, "max-connections");
        check(maxStreams, "max-streams");
        check(maxSubscriptions, "max-subscriptions");
        check(maxFrameLength, "max-frame-length");
        check(spillQuotaBytes, "spill-quota");
        check(publishRateBytes, "publish-rate");
    }

    private static void check(final long value, final String name)
    {
        if (value < 0)
        {
            throw new IllegalArgumentException(name + " must not be negative (0: no limit), was " + value);
        }
    }
}
