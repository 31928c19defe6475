package io.sluice.server;

import java.util.concurrent.TimeUnit;

/**
 * Whether the whole path from a back-pressured publisher is stalled: the relay has read no new message for half a
 * second while the publisher kept being refused. The caller {@linkplain #reset() resets} it whenever the publisher is
 * accepted again.
 */
final class RelayStall
{
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final Relay relay;
    private long since;
    private long messagesInAtStall = -1;

    RelayStall(final Relay relay)
    {
        this.relay = relay;
    }

    /** The publisher was accepted: the path moves. */
    void reset()
    {
        since = 0;
    }

    /**
     * Called when the publisher is refused.
     *
     * @return whether the relay has read nothing new for half a second since the path last moved.
     */
    boolean isStalled()
    {
        final long now = System.nanoTime();
        final long messagesIn = relay.metrics().messagesIn();
        if (since == 0 || messagesIn != messagesInAtStall)
        {
            since = now;
            messagesInAtStall = messagesIn;
            return false;
        }
        return now - since > QUIET_NANOS;
    }
}
