package io.sluice.server.producer;

import java.util.List;

/**
 * One publisher connection as its event loop last saw it: how long lanes have held it paused, and which.
 *
 * @param stream stream name.
 * @param address the publisher's remote address.
 * @param sourceId the source id the relay gave it.
 * @param pausedNow whether a full lane holds it paused now.
 * @param throttledNanos time a full lane held it paused, since it connected, the pause in progress included.
 * @param holders the lanes that have held it, the time each held it, and whether it holds it now; lanes whose
 *                subscriber has gone are summed in {@code goneSubscribersNanos}.
 * @param goneSubscribersNanos time it was held by lanes whose subscriber has left since.
 * @param measuredAtNanos {@link System#nanoTime()} when its event loop measured this.
 */
public record ProducerSnapshot(
    String stream,
    String address,
    int sourceId,
    boolean pausedNow,
    long throttledNanos,
    List<Holder> holders,
    long goneSubscribersNanos,
    long measuredAtNanos)
{
    /**
     * A lane that held the publisher.
     *
     * @param subscriber the lane's subscriber's remote address.
     * @param subscription its durable subscription name, or empty.
     * @param heldNanos time this lane held this publisher paused, the hold in progress included.
     * @param holdingNow whether it holds the publisher now.
     */
    public record Holder(String subscriber, String subscription, long heldNanos, boolean holdingNow)
    {
    }
}
