package io.sluice.server.lane;

/**
 * Tells when a subscription has had frames waiting and its connection took no byte of them for {@code stuck-after},
 * and when it takes bytes again. Fed at a coarse interval (see {@link StuckGuard}) with a monotonic count of bytes
 * the subscriber's socket has taken; nothing per message. Any byte taken is progress, so a slow reader is never
 * stuck, only one that stopped.
 * <p>
 * The count may also fall (a heartbeat the relay queues behind stuck frames counts as not taken yet): a fall is not
 * progress, and the next check compares with the lower value, so the bytes of that heartbeat count once taken.
 * <p>
 * One thread (the lane's event loop); the time is given, so a test drives it with a hand-advanced clock.
 */
public final class StuckWatch
{
    /** What a {@link #check} changed. */
    public enum Change
    {
        /** Nothing: still flowing, or still stuck. */
        NONE,
        /** The subscription has just become stuck. */
        STUCK,
        /** A stuck subscription took bytes again, or nothing waits for it any more. */
        RECOVERED
    }

    private final long stuckAfterNanos;
    private boolean started;
    private long lastTaken;
    private long idleSinceNanos;
    private boolean stuck;

    /**
     * @param stuckAfterNanos how long without progress, with frames waiting, makes a subscription stuck; positive.
     */
    public StuckWatch(final long stuckAfterNanos)
    {
        if (stuckAfterNanos <= 0)
        {
            throw new IllegalArgumentException("stuck-after must be positive, was " + stuckAfterNanos + " ns");
        }
        this.stuckAfterNanos = stuckAfterNanos;
    }

    /**
     * @param nowNanos a monotonic clock.
     * @param takenBytes bytes the subscriber's socket has taken so far.
     * @param waiting whether frames wait for the subscriber (in its lane or its connection's outbound buffer).
     * @return what changed.
     */
    public Change check(final long nowNanos, final long takenBytes, final boolean waiting)
    {
        final boolean progress = started && takenBytes > lastTaken;
        lastTaken = takenBytes;
        if (!started || progress || !waiting)
        {
            started = true;
            idleSinceNanos = nowNanos;
            if (stuck)
            {
                stuck = false;
                return Change.RECOVERED;
            }
            return Change.NONE;
        }
        if (!stuck && nowNanos - idleSinceNanos >= stuckAfterNanos)
        {
            stuck = true;
            return Change.STUCK;
        }
        return Change.NONE;
    }

    /** @return whether the subscription is stuck now. */
    public boolean isStuck()
    {
        return stuck;
    }

    /**
     * @param nowNanos the clock of {@link #check}.
     * @return how long frames have waited without progress, as of the last check's measurement; 0 while flowing.
     */
    public long idleNanos(final long nowNanos)
    {
        return started ? Math.max(0, nowNanos - idleSinceNanos) : 0;
    }
}
