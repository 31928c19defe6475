package io.sluice.server.lane;

/**
 * Where a lane takes new messages now. Once a lane spills, new messages go to disk until the disk backlog is empty,
 * so that order is kept across every switch.
 */
public enum LaneTier
{
    /** No tiers (the throttle strategy): runs go from the hand-off straight to the subscriber's channel. */
    DIRECT,
    /** Into the memory tier. */
    MEMORY,
    /** Into the disk tier, behind the backlog there. */
    DISK;

    private final String label = name().toLowerCase(java.util.Locale.ROOT);

    /** @return the name the lanes view and metrics show: {@code direct}, {@code memory} or {@code disk}. */
    public String label()
    {
        return label;
    }
}
