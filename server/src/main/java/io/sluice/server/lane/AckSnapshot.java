package io.sluice.server.lane;

/**
 * An acknowledging subscriber's window at one moment (see {@link AckWindow}).
 *
 * @param acked the highest position the subscriber acknowledged.
 * @param sent the last position sent to it.
 * @param unackedBytes bytes of frames sent and not acknowledged, held by the relay until they are.
 * @param redelivered frames sent again on this connection, flagged REDELIVERED.
 * @param windowMessages the granted window in messages.
 * @param windowBytes the granted window in bytes.
 */
public record AckSnapshot(long acked, long sent, long unackedBytes, long redelivered, int windowMessages,
    int windowBytes)
{
    /** @return frames sent and not acknowledged. */
    public long unackedMessages()
    {
        return sent - acked;
    }
}
