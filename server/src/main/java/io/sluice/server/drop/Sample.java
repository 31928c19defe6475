package io.sluice.server.drop;

import io.sluice.core.protocol.Header;

/**
 * {@code sample}: while the memory tier is more than half full, keep one arriving message in {@code every} (the
 * first of each group) and drop the rest; when full, drop the arriving message.
 */
final class Sample implements DropPolicy
{
    private final int every;
    private int seen;

    Sample(final int every)
    {
        this.every = every;
    }

    @Override
    public String name()
    {
        return "sample";
    }

    @Override
    public Action onNoRoom(final Header message)
    {
        return Action.DROP_NEWEST;
    }

    @Override
    public boolean samplesUnderPressure()
    {
        return true;
    }

    @Override
    public boolean admit(final Header message)
    {
        final boolean keep = seen == 0;
        seen = seen + 1 == every ? 0 : seen + 1;
        return keep;
    }

    @Override
    public int reason()
    {
        return DropReason.SAMPLE;
    }
}
