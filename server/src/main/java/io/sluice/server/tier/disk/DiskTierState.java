package io.sluice.server.tier.disk;

/**
 * A disk tier's lifecycle, shared by its lane's event loop and the spill thread; every change is a compare-and-set
 * (see {@link DiskTierExchange}), so that a lane closing while the spill thread fills or fails the tier ends in one
 * state both sides agree on.
 * <pre>
 *   from                 event                          to               by
 *   OPENING              stores opened                  OPEN             spill thread
 *   OPEN                 the store refuses a run        FULL             spill thread
 *   FULL                 room again                     OPEN             spill thread
 *   OPENING, OPEN, FULL  the lane closes                CLOSING          lane
 *   OPENING, OPEN, FULL  the disk work throws           FAILED           spill thread
 *   CLOSING              the disk work throws           FAILED_CLOSING   spill thread
 *   FAILED               the lane closes                FAILED_CLOSING   lane
 *   CLOSING              hand-over written, closed      CLOSED           spill thread
 *   FAILED_CLOSING       what was left released         CLOSED           spill thread
 *   FAILED*              the disk work throws again     CLOSED           spill thread
 * </pre>
 * The spill thread also closes a tier in any state when it stops (the relay stops its event loops first).
 */
enum DiskTierState
{
    /** The spill thread has not opened the stores yet (it may be waiting for the directory's previous tier). */
    OPENING,
    /** Takes runs and restores them. */
    OPEN,
    /** The store refused (quota or free space): takes no runs; what it took goes back to the lane in order. */
    FULL,
    /** The lane has closed: the spill thread hands over what it held (a durable tier) and closes the stores. */
    CLOSING,
    /** The disk work threw: stores closed; the lane takes back what the tier held in memory. */
    FAILED,
    /** Failed, and the lane has closed: the spill thread releases what was left. */
    FAILED_CLOSING,
    /** Done: stores closed, every buffer released; the spill thread lets go of the tier. */
    CLOSED;

    /** @return whether the lane's on-full policy acts (the tier refuses because it is full or failed). */
    boolean refusesForGood()
    {
        return this == FULL || this == FAILED || this == FAILED_CLOSING;
    }

    /** @return whether the tier failed (the lane owns the consuming end of the hand-over and the chunks read back). */
    boolean hasFailed()
    {
        return this == FAILED || this == FAILED_CLOSING;
    }

    /** @return the state a failure moves this one to, or CLOSED when failing again while finishing a failure. */
    DiskTierState onFailure()
    {
        return switch (this)
        {
            case OPENING, OPEN, FULL -> FAILED;
            case CLOSING -> FAILED_CLOSING;
            case FAILED, FAILED_CLOSING, CLOSED -> CLOSED;
        };
    }

    /** @return the state the lane's close moves this one to (CLOSED and the closing states stay as they are). */
    DiskTierState onLaneClose()
    {
        return switch (this)
        {
            case OPENING, OPEN, FULL -> CLOSING;
            case FAILED -> FAILED_CLOSING;
            case CLOSING, FAILED_CLOSING, CLOSED -> this;
        };
    }
}
