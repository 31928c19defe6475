package io.sluice.server.stream;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Where each acknowledging durable subscription of a stream stands between its connections: the position its
 * subscriber acknowledged and the last position sent to it. The frames between the two were handed to the
 * subscription's disk tier when its connection ended, and its next connection receives them first, at the same
 * positions, flagged as delivered again (protocol.md §4.3).
 * <p>
 * Kept in the relay's memory with the stream: a relay restart starts every subscription's positions again at 1.
 * Any thread: a connection ends on one event loop and the next begins on another.
 */
public final class SubscriptionPositions
{
    /**
     * @param acked the highest position the subscriber acknowledged.
     * @param sent the last position sent to it.
     */
    public record Positions(long acked, long sent)
    {
        /** A subscription that was never sent anything. */
        public static final Positions NONE = new Positions(0, 0);
    }

    private final ConcurrentHashMap<String, Positions> bySubscription = new ConcurrentHashMap<>();

    /** @return where the subscription stands, or {@link Positions#NONE} for one the stream does not know. */
    public Positions of(final String subscription)
    {
        return bySubscription.getOrDefault(subscription, Positions.NONE);
    }

    /** Remembers where the subscription stands as its connection ends. */
    public void keep(final String subscription, final long acked, final long sent)
    {
        bySubscription.put(subscription, new Positions(acked, sent));
    }

    /** Forgets the subscription: its next connection starts at position 1 with nothing to deliver again. */
    public void forget(final String subscription)
    {
        bySubscription.remove(subscription);
    }
}
