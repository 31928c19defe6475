package io.sluice.server.bridge;

import java.util.Map;

/**
 * One bridge's state and counters at one moment, for metrics, {@code /health} and {@code sluice top}. A record is
 * a message for the relay and a record for the other system; every count is since the bridge started.
 * <p>
 * For a bridge that takes from the relay (a sink) {@code sent = confirmed + failed + inFlight}; for one that publishes
 * into the relay (a source) {@code sent} counts what it offered to the relay and {@code confirmed} what the relay
 * acknowledged.
 *
 * @param name the bridge's name.
 * @param type the bridge's type, e.g. {@code kafka-sink}.
 * @param stream the relay stream.
 * @param target what the bridge connects the stream with, for people: {@code topic orders}.
 * @param healthy false while the other system is unreachable or refuses the bridge.
 * @param problem why the bridge is not healthy, or null.
 * @param inFlight records sent and not yet confirmed.
 * @param sent records handed on (to the other system for a sink, to the relay for a source).
 * @param confirmed records the receiving side confirmed.
 * @param failedByReason records that failed for good, by reason (such as {@code record-too-large}).
 * @param deadLettered of the failed, those kept in the relay's dead-letter store.
 * @param pausedPartitions partitions (or the like) a source has paused because the relay pushed back; 0 for a sink.
 * @param lag records the other system holds that a source has not taken yet; -1 when unknown or not a source.
 * @param events occasional events by name (such as {@code rebalance}, {@code reconnect}), counted.
 */
public record BridgeSnapshot(
    String name,
    String type,
    String stream,
    String target,
    boolean healthy,
    String problem,
    long inFlight,
    long sent,
    long confirmed,
    Map<String, Long> failedByReason,
    long deadLettered,
    int pausedPartitions,
    long lag,
    Map<String, Long> events)
{
    /**
     * Copies the maps.
     */
    public BridgeSnapshot
    {
        failedByReason = Map.copyOf(failedByReason);
        events = Map.copyOf(events);
    }

    /** @return records that failed for good, every reason. */
    public long failed()
    {
        long sum = 0;
        for (final long n : failedByReason.values())
        {
            sum += n;
        }
        return sum;
    }
}
