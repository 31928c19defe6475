package io.sluice.server.lane;

import java.util.Map;

/**
 * One subscriber lane's counters and gauges at one moment.
 *
 * @param stream stream name.
 * @param subscriber the subscriber's remote address.
 * @param subscription durable subscription name, or empty.
 * @param strategy the lane's strategy, as named in config.
 * @param tier where new messages go now: {@link LaneTier#DIRECT} (throttle, no tiers), memory or disk.
 * @param messagesIn messages the lane accepted from publishers.
 * @param messagesOut messages written to the subscriber's connection.
 * @param bytesOut bytes written to the subscriber's connection.
 * @param waitingMessages messages accepted and not yet written (in the lane's tiers).
 * @param queuedBytes bytes waiting in the hand-off from publishers.
 * @param memoryBytes bytes in the memory tier.
 * @param diskBytes bytes the disk tier uses on disk.
 * @param spilled messages written to the disk tier.
 * @param restored messages read back from the disk tier.
 * @param droppedByReason messages dropped, by reason name; empty when none.
 * @param peakBytes most bytes the lane has held (hand-off plus the channel's outbound buffer).
 * @param bytesIn bytes of the messages the lane accepted from publishers.
 * @param holdingProducers publisher connections the lane holds paused now (it refused their run and has not taken it).
 * @param heldNanos time the lane has held publishers paused, summed over publishers, holds in progress included.
 * @param closed whether the subscriber's connection has closed and the lane is going.
 * @param depths what waits in each tier and how old the oldest message is, as the lane's event loop last measured it
 *               ({@code RelayMetrics.measure}); null until first measured.
 * @param stuck whether frames have waited and the subscriber took none of them for the stream's {@code stuck-after}
 *              ({@link StuckGuard}).
 * @param acks the subscriber's acknowledgement window, or null when it does not acknowledge.
 */
public record LaneSnapshot(
    String stream,
    String subscriber,
    String subscription,
    String strategy,
    LaneTier tier,
    long messagesIn,
    long messagesOut,
    long bytesOut,
    long waitingMessages,
    long queuedBytes,
    long memoryBytes,
    long diskBytes,
    long spilled,
    long restored,
    Map<String, Long> droppedByReason,
    long peakBytes,
    long bytesIn,
    int holdingProducers,
    long heldNanos,
    boolean closed,
    LaneDepths depths,
    boolean stuck,
    AckSnapshot acks)
{
    /** A snapshot of a lane whose subscriber does not acknowledge. */
    public LaneSnapshot(final String stream, final String subscriber, final String subscription, final String strategy,
        final LaneTier tier, final long messagesIn, final long messagesOut, final long bytesOut,
        final long waitingMessages, final long queuedBytes, final long memoryBytes, final long diskBytes,
        final long spilled, final long restored, final Map<String, Long> droppedByReason, final long peakBytes,
        final long bytesIn, final int holdingProducers, final long heldNanos, final boolean closed,
        final LaneDepths depths, final boolean stuck)
    {
        this(stream, subscriber, subscription, strategy, tier, messagesIn, messagesOut, bytesOut, waitingMessages,
            queuedBytes, memoryBytes, diskBytes, spilled, restored, droppedByReason, peakBytes, bytesIn,
            holdingProducers, heldNanos, closed, depths, stuck, null);
    }

    /** A snapshot of a lane that is not stuck. */
    public LaneSnapshot(final String stream, final String subscriber, final String subscription, final String strategy,
        final LaneTier tier, final long messagesIn, final long messagesOut, final long bytesOut,
        final long waitingMessages, final long queuedBytes, final long memoryBytes, final long diskBytes,
        final long spilled, final long restored, final Map<String, Long> droppedByReason, final long peakBytes,
        final long bytesIn, final int holdingProducers, final long heldNanos, final boolean closed,
        final LaneDepths depths)
    {
        this(stream, subscriber, subscription, strategy, tier, messagesIn, messagesOut, bytesOut, waitingMessages,
            queuedBytes, memoryBytes, diskBytes, spilled, restored, droppedByReason, peakBytes, bytesIn,
            holdingProducers, heldNanos, closed, depths, false);
    }
}
