package io.sluice.server.drop;

import io.sluice.core.protocol.Header;

/** {@code drop-newest}: when full, the arriving message is dropped and everything waiting is kept. */
final class DropNewest implements DropPolicy
{
    @Override
    public String name()
    {
        return "drop-newest";
    }

    @Override
    public Action onNoRoom(final Header message)
    {
        return Action.DROP_NEWEST;
    }

    @Override
    public int reason()
    {
        return DropReason.DROP_NEWEST;
    }
}
