package io.sluice.server.lane;

/**
 * What a disk tier wakes when restored frames or an opened tier are ready. It is made before the lane (the lane's
 * constructor makes the disk tier, whose spill thread may call at once) and reaches the lane only once the lane
 * is built.
 */
public final class LaneWaker
{
    private volatile Lane lane;

    LaneWaker()
    {
    }

    /** Any thread. */
    public void wake()
    {
        final Lane built = lane;
        if (built != null)
        {
            built.wake();
        }
    }

    /**
     * @param built the lane, every field of it set: the volatile write publishes them to the spill thread.
     */
    void reach(final Lane built)
    {
        lane = built;
    }
}
