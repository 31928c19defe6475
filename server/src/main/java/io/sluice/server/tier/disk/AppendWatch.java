package io.sluice.server.tier.disk;

/**
 * How far one publisher's frames are on one journaled lane's disk tier: the publisher's event loop notes the last
 * sequence the lane accepted ({@link #offered}), the spill thread the last one it appended ({@link #appended}). The
 * relay ACKs a publisher of a stream with journaled lanes only up to what every such lane has on disk, so an ACK
 * survives a relay crash. When the publisher finds a lane behind, it asks to be woken; the spill thread wakes it once
 * after its next append, so a waiting publisher costs one task per append, a publisher that is not waiting none.
 */
public final class AppendWatch
{
    private static final long NONE = -1;
    private static final long ALL = Long.MAX_VALUE;

    private final Runnable wake;
    private volatile long offered = NONE;
    private volatile long appended = NONE;
    private volatile boolean wantsWake;

    /**
     * @param wake brings the publisher's ACK check onto its event loop; any thread may run it.
     */
    public AppendWatch(final Runnable wake)
    {
        this.wake = wake;
    }

    /** Publisher's event loop: the lane accepted the publisher's frames up to {@code sequence}. */
    public void offered(final long sequence)
    {
        offered = sequence;
    }

    /**
     * Publisher's event loop: how far it may ACK, given it would ACK {@code accepted} but for this lane. When the lane
     * is behind, the publisher is woken after the spill thread's next append.
     *
     * @return {@code accepted} when everything the lane accepted is on disk, else the last sequence appended.
     */
    public long ackableThrough(final long accepted)
    {
        if (appended >= offered)
        {
            return accepted;
        }
        wantsWake = true;
        // Appended since the check: the spill thread may have missed the request.
        final long now = appended;
        if (now >= offered)
        {
            wantsWake = false;
            return accepted;
        }
        return now;
    }

    /** @return whether the lane's tier has finished: nothing more will be appended, and nothing is owed. */
    public boolean isFinished()
    {
        return appended == ALL;
    }

    /** Spill thread: the publisher's frames up to {@code sequence} are on disk. */
    void appended(final long sequence)
    {
        appended = sequence;
        wakeIfWanted();
    }

    /**
     * Spill thread: the tier finished (everything its lane held is on disk, or the tier failed and counted it lost):
     * the publisher waits for it no longer.
     */
    void finished()
    {
        appended = ALL;
        wakeIfWanted();
    }

    private void wakeIfWanted()
    {
        if (wantsWake)
        {
            wantsWake = false;
            wake.run();
        }
    }
}
