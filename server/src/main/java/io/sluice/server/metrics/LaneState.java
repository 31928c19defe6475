package io.sluice.server.metrics;

import java.util.Locale;

/**
 * What a lane is doing, as one word, over the last interval of the lanes view. When several hold, the first in this
 * order wins: {@link #CLOSED}, {@link #STALLED}, {@link #DROPPING}, {@link #THROTTLING}, {@link #SPILLING},
 * {@link #FLOWING}: the one that costs most is named (losing messages before slowing producers; a lane under a drop
 * policy can do both when its event loop falls behind). docs/operations.md defines each for users.
 */
public enum LaneState
{
    /** None of the below: what is accepted goes out. */
    FLOWING,
    /** The lane refused publishers' runs: it holds publishers paused now, or held some during the interval. */
    THROTTLING,
    /** New messages go to the disk tier, or the lane wrote messages to disk during the interval. */
    SPILLING,
    /** The lane's drop policy dropped messages during the interval. */
    DROPPING,
    /** Messages wait and the lane wrote none to its subscriber during the interval: the subscriber is not reading. */
    STALLED,
    /** The subscriber's connection has closed; the lane is going. */
    CLOSED;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** @return the state as the lanes view and {@code /metrics} name it: {@code flowing}, {@code throttling}, ... */
    public String label()
    {
        return label;
    }

    /**
     * @param closed the subscriber's connection has closed.
     * @param stalled messages wait and none was written during the interval.
     * @param throttling publishers held now or during the interval.
     * @param dropping messages dropped during the interval.
     * @param spilling new messages go to disk, or messages were spilled during the interval.
     * @return the state that wins.
     */
    static LaneState of(final boolean closed, final boolean stalled, final boolean throttling, final boolean dropping,
        final boolean spilling)
    {
        if (closed)
        {
            return CLOSED;
        }
        if (stalled)
        {
            return STALLED;
        }
        if (dropping)
        {
            return DROPPING;
        }
        if (throttling)
        {
            return THROTTLING;
        }
        return spilling ? SPILLING : FLOWING;
    }
}
