package io.sluice.server.stream;

/**
 * One stream's counters and gauges at one moment.
 *
 * @param name stream name.
 * @param publishers publishers connected now.
 * @param subscribers subscribers connected now.
 * @param messagesIn messages received from publishers.
 * @param bytesIn bytes received from publishers.
 * @param unrouted messages received while the stream had no subscriber (not kept).
 * @param throttledNanos total time publishers of this stream spent with reads paused, all publishers summed.
 * @param evicted subscriptions its on-stuck evicted.
 * @param detached durable subscriptions its on-stuck detached to their disk tier.
 * @param evictedMessages messages the evicted subscriptions' lanes held and released.
 * @param goneWithPublisher messages read from publishers whose connections ended before every lane took them (never
 *                          acknowledged to them).
 */
public record StreamSnapshot(String name, int publishers, int subscribers, long messagesIn, long bytesIn,
    long unrouted, long throttledNanos, long evicted, long detached, long evictedMessages, long goneWithPublisher)
{
    /** A snapshot of a stream none of whose publishers left with messages not taken. */
    public StreamSnapshot(final String name, final int publishers, final int subscribers, final long messagesIn,
        final long bytesIn, final long unrouted, final long throttledNanos, final long evicted, final long detached,
        final long evictedMessages)
    {
        this(name, publishers, subscribers, messagesIn, bytesIn, unrouted, throttledNanos, evicted, detached,
            evictedMessages, 0);
    }

    /** A snapshot of a stream whose on-stuck has closed nothing. */
    public StreamSnapshot(final String name, final int publishers, final int subscribers, final long messagesIn,
        final long bytesIn, final long unrouted, final long throttledNanos)
    {
        this(name, publishers, subscribers, messagesIn, bytesIn, unrouted, throttledNanos, 0, 0, 0);
    }
}
