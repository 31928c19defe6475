package io.sluice.server.drop;

/**
 * Why messages were dropped: the reason code of a GAP frame and the {@code reason} label of the dropped-messages
 * counter. One code per policy, so the counters say which policy dropped what.
 */
public final class DropReason
{
    /** {@code drop-newest}: an arriving message found no room and was dropped. */
    public static final int DROP_NEWEST = 1;
    /** {@code drop-oldest}: the oldest waiting message was evicted to make room. */
    public static final int DROP_OLDEST = 2;
    /** {@code latest-by-key}: replaced by a newer message with the same key, or no room for a new key. */
    public static final int LATEST_BY_KEY = 3;
    /** {@code sample}: not one of the one-in-N kept under pressure, or no room for it. */
    public static final int SAMPLE = 4;
    /** {@code deadline}: older than the deadline when it would have been delivered, or evicted when full. */
    public static final int DEADLINE = 5;
    /** A custom {@link DropPolicy}. */
    public static final int CUSTOM = 6;
    /** Highest code a drop policy reports; counters are indexed by code. */
    public static final int MAX = CUSTOM;
    /**
     * Not a policy's: lost to damaged spill files, which the relay's disk tier could not read back. The tier writes
     * these GAP frames with its own copy of the code ({@code DiskTier.DAMAGE_GAP_REASON}).
     */
    public static final int SPILL_DAMAGE = 7;

    private static final String[] NAMES = {"unknown", "drop-newest", "drop-oldest", "latest-by-key", "sample",
        "deadline", "custom", "spill-damage"};

    private DropReason()
    {
    }

    /** @return the config name of a reason code, or "unknown". */
    public static String name(final int reason)
    {
        return reason > 0 && reason < NAMES.length ? NAMES[reason] : NAMES[0];
    }
}
