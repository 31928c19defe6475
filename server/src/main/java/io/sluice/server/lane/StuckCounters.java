package io.sluice.server.lane;

import java.util.concurrent.atomic.LongAdder;

/**
 * One stream's count of subscriptions its {@code on-stuck} closed, by action, and of the messages their lanes held and
 * released. Kept by the stream, since a closed lane and its own counters go with its connection. Lanes' event loops
 * add; any thread reads.
 */
public final class StuckCounters
{
    private final LongAdder evicted = new LongAdder();
    private final LongAdder detached = new LongAdder();
    private final LongAdder releasedMessages = new LongAdder();

    /** A subscription was evicted; its lane released {@code messages} it held. */
    void countEviction(final long messages)
    {
        evicted.increment();
        releasedMessages.add(messages);
    }

    /** A durable subscription was detached: its backlog waits on disk. */
    void countDetach()
    {
        detached.increment();
    }

    /** @return subscriptions evicted. */
    public long evicted()
    {
        return evicted.sum();
    }

    /** @return subscriptions detached to their disk tier. */
    public long detached()
    {
        return detached.sum();
    }

    /** @return messages evicted lanes held and released: accepted, never delivered, and not announced in a GAP. */
    public long releasedMessages()
    {
        return releasedMessages.sum();
    }
}
