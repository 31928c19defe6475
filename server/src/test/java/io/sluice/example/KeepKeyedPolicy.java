package io.sluice.example;

import io.sluice.core.protocol.Header;
import io.sluice.server.drop.DropPolicy;

/**
 * An example custom drop policy (see docs/drop-policies.md): keyed messages are commands that must not be lost, so
 * when a lane is full they wait and the producer is throttled; unkeyed messages are telemetry, and the newest is
 * dropped instead.
 * <p>
 * Named in config as {@code on-full: keep-keyed} because this class is listed in
 * {@code META-INF/services/io.sluice.server.drop.DropPolicy}, or by its class name without that listing.
 */
public final class KeepKeyedPolicy implements DropPolicy
{
    @Override
    public String name()
    {
        return "keep-keyed";
    }

    @Override
    public Action onNoRoom(final Header message)
    {
        return message.isKeyed() ? Action.THROTTLE : Action.DROP_NEWEST;
    }
}
