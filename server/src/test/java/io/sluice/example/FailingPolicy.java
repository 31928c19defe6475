package io.sluice.example;

import io.sluice.core.protocol.Header;
import io.sluice.server.drop.DropPolicy;

/**
 * A custom drop policy whose constructor throws while {@link #fail} is set: a lane that cannot be built. Named in
 * config by its class name (it is not listed as a service, so that looking up other policies never makes one).
 */
public final class FailingPolicy implements DropPolicy
{
    /** While set, the constructor throws. */
    public static volatile boolean fail;

    public FailingPolicy()
    {
        if (fail)
        {
            throw new IllegalStateException("FailingPolicy was told to fail");
        }
    }

    @Override
    public String name()
    {
        return "failing";
    }

    @Override
    public Action onNoRoom(final Header message)
    {
        return Action.DROP_NEWEST;
    }
}
