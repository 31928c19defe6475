package io.sluice.server.drop;

import io.sluice.core.protocol.Header;

/**
 * {@code latest-by-key} (conflation): a keyed message replaces the waiting message with the same key, always, not
 * only when full, so at most one message per key waits. When full, a message whose key is not waiting (or an
 * unkeyed message) is dropped.
 */
final class LatestByKey implements DropPolicy
{
    @Override
    public String name()
    {
        return "latest-by-key";
    }

    @Override
    public Action onNoRoom(final Header message)
    {
        return Action.DROP_NEWEST;
    }

    @Override
    public boolean conflatesByKey()
    {
        return true;
    }

    @Override
    public int reason()
    {
        return DropReason.LATEST_BY_KEY;
    }
}
