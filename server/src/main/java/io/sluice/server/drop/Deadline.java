package io.sluice.server.drop;

import io.sluice.core.protocol.Header;

/**
 * {@code deadline}: a message whose age (the relay's clock minus the timestamp its producer stamped) exceeds the
 * deadline when it would be delivered is dropped instead; fresh data beats stale. When full, the oldest waiting
 * message is evicted, since it is the nearest to its deadline. Ages are only as right as the producer's clock:
 * on one machine they agree to microseconds, across machines they need synchronised clocks.
 */
final class Deadline implements DropPolicy
{
    private final long deadlineNanos;

    Deadline(final long deadlineNanos)
    {
        this.deadlineNanos = deadlineNanos;
    }

    @Override
    public String name()
    {
        return "deadline";
    }

    @Override
    public Action onNoRoom(final Header message)
    {
        return Action.DROP_OLDEST;
    }

    @Override
    public boolean checksOnDelivery()
    {
        return true;
    }

    @Override
    public boolean expired(final Header message, final long nowEpochNanos)
    {
        return nowEpochNanos - message.timestampNanos() > deadlineNanos;
    }

    @Override
    public int reason()
    {
        return DropReason.DEADLINE;
    }
}
