package io.sluice.server.drop;

import io.sluice.core.protocol.Header;

/** {@code drop-oldest}: when full, the oldest waiting message is evicted to make room for the arriving one. */
final class DropOldest implements DropPolicy
{
    @Override
    public String name()
    {
        return "drop-oldest";
    }

    @Override
    public Action onNoRoom(final Header message)
    {
        return Action.DROP_OLDEST;
    }

    @Override
    public int reason()
    {
        return DropReason.DROP_OLDEST;
    }
}
