package io.sluice.server.metrics;

/**
 * The names of the relay's metrics as they appear on {@code /metrics}, shared by the endpoint and
 * {@code sluice top}. Counters carry {@code _total}; units are in the name ({@code _bytes}, {@code _seconds}).
 * docs/operations.md lists each with its type, labels and meaning.
 */
public final class MetricNames
{
    // Relay-wide.
    /** Gauge, always 1; labels {@code address} (the relay's listening address) and {@code version}. */
    public static final String RELAY_INFO = "sluice_relay_info";
    /** Gauge: seconds since the metrics endpoint started, which is right after the relay started. */
    public static final String RELAY_UPTIME = "sluice_relay_uptime_seconds";
    /** Counter: connections accepted since start. */
    public static final String CONNECTIONS_OPENED = "sluice_connections_opened_total";
    /** Gauge: streams that exist now. */
    public static final String STREAMS = "sluice_streams";
    /** Gauge: publishers connected now. */
    public static final String PUBLISHERS = "sluice_publishers";
    /** Gauge: subscribers connected now. */
    public static final String SUBSCRIBERS = "sluice_subscribers";
    /** Counter: DATA messages received from publishers, every stream. */
    public static final String RECEIVED_MESSAGES = "sluice_received_messages_total";
    /** Counter: DATA bytes received from publishers, every stream. */
    public static final String RECEIVED_BYTES = "sluice_received_bytes_total";
    /** Gauge: bytes of frames the relay holds now. */
    public static final String BUFFERED_BYTES = "sluice_buffered_bytes";
    /** Gauge: the most bytes any one lane has held. */
    public static final String PEAK_LANE_BYTES = "sluice_peak_lane_bytes";
    /** Gauge: the most bytes paused publishers' connections have held at once. */
    public static final String PEAK_HELD_BYTES = "sluice_peak_held_bytes";
    /** Counter with label {@code code}: protocol errors detected. */
    public static final String PROTOCOL_ERRORS = "sluice_protocol_errors_total";
    /** Counter with label {@code code}: ERROR frames received from clients. */
    public static final String ERRORS_RECEIVED = "sluice_errors_received_total";

    /** Counter: disk tiers that failed (an I/O error or a fault on the spill thread). */
    public static final String SPILL_FAILURES = "sluice_spill_failures_total";
    /** Counter: bytes of accepted messages a disk tier could neither keep nor deliver. */
    public static final String SPILL_LOST_BYTES = "sluice_spill_lost_bytes_total";
    /** Counter: bytes of messages lost to damaged spill files. */
    public static final String SPILL_DAMAGED_BYTES = "sluice_spill_damaged_bytes_total";
    /** Counter: messages lost to damaged spill files and announced to subscribers in GAP frames. */
    public static final String SPILL_DAMAGED_MESSAGES = "sluice_spill_damaged_messages_total";

    // Per stream: label stream.
    /** Counter: messages received on the stream. */
    public static final String STREAM_RECEIVED_MESSAGES = "sluice_stream_received_messages_total";
    /** Counter: bytes received on the stream. */
    public static final String STREAM_RECEIVED_BYTES = "sluice_stream_received_bytes_total";
    /** Counter: messages received while the stream had no subscriber. */
    public static final String STREAM_UNROUTED_MESSAGES = "sluice_stream_unrouted_messages_total";
    /**
     * Counter: messages read from publishers whose connections ended before every lane took them (held while the
     * stream was throttled); never acknowledged to the publisher, so an identified one sends them again.
     */
    public static final String STREAM_GONE_WITH_PUBLISHER_MESSAGES = "sluice_stream_gone_with_publisher_messages_total";
    /** Counter: seconds the stream's publishers spent with reads paused, all publishers summed. */
    public static final String STREAM_THROTTLED_SECONDS = "sluice_stream_throttled_seconds_total";
    /** Gauge: publishers of the stream connected now. */
    public static final String STREAM_PUBLISHERS = "sluice_stream_publishers";
    /** Gauge: subscribers of the stream connected now. */
    public static final String STREAM_SUBSCRIBERS = "sluice_stream_subscribers";

    // Per subscriber lane: labels stream, subscriber, subscription, strategy.
    /** Counter: messages the lane accepted from publishers. */
    public static final String SUBSCRIBER_ACCEPTED_MESSAGES = "sluice_subscriber_accepted_messages_total";
    /** Counter: bytes of the messages the lane accepted from publishers. */
    public static final String SUBSCRIBER_ACCEPTED_BYTES = "sluice_subscriber_accepted_bytes_total";
    /** Counter: messages written to the subscriber. */
    public static final String SUBSCRIBER_SENT_MESSAGES = "sluice_subscriber_sent_messages_total";
    /** Counter: bytes written to the subscriber. */
    public static final String SUBSCRIBER_SENT_BYTES = "sluice_subscriber_sent_bytes_total";
    /** Gauge: messages accepted and not yet written. */
    public static final String SUBSCRIBER_WAITING_MESSAGES = "sluice_subscriber_waiting_messages";
    /** Gauge: bytes waiting in the hand-off from publishers. */
    public static final String SUBSCRIBER_QUEUED_BYTES = "sluice_subscriber_queued_bytes";
    /** Gauge: most bytes the hand-off holds before the strategy acts ({@code lane-bytes}). */
    public static final String SUBSCRIBER_QUEUED_LIMIT_BYTES = "sluice_subscriber_queued_limit_bytes";
    /** Gauge: bytes in the memory tier. */
    public static final String SUBSCRIBER_MEMORY_BYTES = "sluice_subscriber_memory_bytes";
    /** Gauge: size of the memory tier ({@code memory}, rounded down to a power of two); 0 without one. */
    public static final String SUBSCRIBER_MEMORY_LIMIT_BYTES = "sluice_subscriber_memory_limit_bytes";
    /** Gauge: bytes the disk tier uses. */
    public static final String SUBSCRIBER_DISK_BYTES = "sluice_subscriber_disk_bytes";
    /** Gauge: most disk the disk tier may use ({@code spill-quota}); 0 without one. */
    public static final String SUBSCRIBER_DISK_LIMIT_BYTES = "sluice_subscriber_disk_limit_bytes";
    /** Gauge with the extra label {@code tier}: 1 for the tier new messages go to now, 0 for the others. */
    public static final String SUBSCRIBER_TIER = "sluice_subscriber_tier";
    /** Counter: messages written to the disk tier. */
    public static final String SUBSCRIBER_SPILLED_MESSAGES = "sluice_subscriber_spilled_messages_total";
    /** Counter: messages read back from the disk tier. */
    public static final String SUBSCRIBER_RESTORED_MESSAGES = "sluice_subscriber_restored_messages_total";
    /** Counter with the extra label {@code reason}: messages dropped. */
    public static final String SUBSCRIBER_DROPPED_MESSAGES = "sluice_subscriber_dropped_messages_total";
    /** Gauge: the most bytes the lane has held. */
    public static final String SUBSCRIBER_PEAK_BYTES = "sluice_subscriber_peak_bytes";
    /** Gauge: age of the lane's oldest waiting message, by its timestamp; absent while not known. */
    public static final String SUBSCRIBER_LAG_SECONDS = "sluice_subscriber_lag_seconds";
    /**
     * Gauge with the extra label {@code state}: 1 for what the lane is doing (one of {@link #STATES}), 0 for the rest.
     */
    public static final String SUBSCRIBER_STATE = "sluice_subscriber_state";
    /**
     * Gauge: 1 while the lane is stuck (frames waited and its subscriber took no byte of them for the stream's
     * {@code stuck-after}), 0 otherwise.
     */
    public static final String SUBSCRIBER_STUCK = "sluice_subscriber_stuck";
    /** Gauge: frames sent to an acknowledging subscriber and not yet acknowledged; 0 for one that does not. */
    public static final String SUBSCRIBER_UNACKED_MESSAGES = "sluice_subscriber_unacked_messages";
    /** Gauge: bytes of those frames, which the relay holds until they are acknowledged. */
    public static final String SUBSCRIBER_UNACKED_BYTES = "sluice_subscriber_unacked_bytes";
    /** Counter: frames sent to an acknowledging subscriber again after a reconnect, flagged REDELIVERED. */
    public static final String SUBSCRIBER_REDELIVERED_MESSAGES = "sluice_subscriber_redelivered_messages_total";
    /** Counter with the extra label {@code action} ({@code evict}, {@code detach}): subscriptions on-stuck closed. */
    public static final String STREAM_STUCK_CLOSED = "sluice_stream_stuck_subscribers_closed_total";
    /** Counter: messages the lanes of evicted subscribers held and released, never delivered. */
    public static final String STREAM_EVICTED_MESSAGES = "sluice_stream_evicted_messages_total";
    /**
     * Counter: seconds the lane held the stream's publishers paused, summed over publishers (the blame for
     * {@link #STREAM_THROTTLED_SECONDS}).
     */
    public static final String PRODUCER_THROTTLED_SECONDS = "sluice_producer_throttled_seconds_total";

    // Per bridge: labels bridge, type, stream.
    /** Gauge, always 1; labels bridge, type, stream and {@code target} (what the bridge connects the stream with). */
    public static final String BRIDGE_INFO = "sluice_bridge_info";
    /** Gauge: 1 while the bridge is healthy, 0 while its other system is unreachable or refuses it. */
    public static final String BRIDGE_UP = "sluice_bridge_up";
    /** Gauge: records sent and not yet confirmed. */
    public static final String BRIDGE_IN_FLIGHT = "sluice_bridge_in_flight_records";
    /** Counter: records handed on (to the other system for a sink, to the relay for a source). */
    public static final String BRIDGE_SENT = "sluice_bridge_sent_records_total";
    /** Counter: records the receiving side confirmed. */
    public static final String BRIDGE_CONFIRMED = "sluice_bridge_confirmed_records_total";
    /** Counter with the extra label {@code reason}: records that failed for good. */
    public static final String BRIDGE_FAILED = "sluice_bridge_failed_records_total";
    /** Counter: failed records kept in the relay's dead-letter store. */
    public static final String BRIDGE_DEAD_LETTERED = "sluice_bridge_dead_lettered_records_total";
    /** Gauge: partitions a source has paused because the relay pushed back (or the stream has no subscriber). */
    public static final String BRIDGE_PAUSED_PARTITIONS = "sluice_bridge_paused_partitions";
    /** Gauge: records a source's topics hold that it has not taken yet; absent while unknown. */
    public static final String BRIDGE_LAG = "sluice_bridge_lag_records";
    /** Counter with the extra label {@code event}: occasional events (rebalance, pause, send-retry, ...). */
    public static final String BRIDGE_EVENTS = "sluice_bridge_events_total";

    /** Counter with label {@code reason}: connections refused or closed by authentication (see AuthFailure). */
    public static final String AUTH_FAILURES = "sluice_auth_failures_total";
    /** Counter with label {@code limit}: connections and HELLOs refused by a limit on connections or streams. */
    public static final String LIMIT_REFUSALS = "sluice_limit_refusals_total";
    /** Counter: HELLOs refused, and connections closed by a reload, with PERMISSION_DENIED. */
    public static final String PERMISSION_DENIALS = "sluice_permission_denials_total";
    /** Counter with label {@code result} ({@code ok}, {@code failed}): reloads of the security files. */
    public static final String SECURITY_RELOADS = "sluice_security_reloads_total";
    /** Gauge: connections open now that have not had their WELCOME. */
    public static final String UNAUTHENTICATED_CONNECTIONS = "sluice_unauthenticated_connections";
    /** Gauge: when the relay's TLS certificate expires, seconds since the epoch; 0 without TLS. */
    public static final String TLS_CERTIFICATE_EXPIRY = "sluice_tls_certificate_expiry_timestamp_seconds";

    /** Label names. */
    public static final String STREAM = "stream";
    /** Label: a bridge's name. */
    public static final String BRIDGE = "bridge";
    /** Label: a bridge's type. */
    public static final String TYPE = "type";
    /** Label: what a bridge connects its stream with. */
    public static final String TARGET = "target";
    /** Label: a bridge event's name. */
    public static final String EVENT = "event";
    /** Label: the subscriber's remote address. */
    public static final String SUBSCRIBER = "subscriber";
    /** Label: durable subscription name, or empty. */
    public static final String SUBSCRIPTION = "subscription";
    /** Label: the lane's strategy. */
    public static final String STRATEGY = "strategy";
    /** Label: what on-stuck did with a stuck subscription, {@code evict} or {@code detach}. */
    public static final String ACTION = "action";
    /** Label: why messages were dropped. */
    public static final String REASON = "reason";
    /** Label: a lane tier, one of {@link #TIERS}. */
    public static final String TIER = "tier";
    /** Values of the {@code tier} label: no tiers (throttle), the memory tier, the disk tier. */
    public static final java.util.List<String> TIERS = java.util.List.of("direct", "memory", "disk");
    /** Label: what a lane is doing, one of {@link #STATES}. */
    public static final String STATE = "state";
    /** Values of the {@code state} label, as {@link LaneState#label()} names them. */
    public static final java.util.List<String> STATES = java.util.Arrays.stream(LaneState.values())
        .map(LaneState::label).toList();
    /** Label: protocol error code. */
    public static final String CODE = "code";
    /** Label: the limit that refused a connection or HELLO, by its setting's name. */
    public static final String LIMIT = "limit";
    /** Label: a reload's result. */
    public static final String RESULT = "result";

    private MetricNames()
    {
    }

    /**
     * @param counterName a counter's name as exposed, with {@code _total}.
     * @return the name without {@code _total}, as the Prometheus client library wants it for its own snapshots.
     */
    static String base(final String counterName)
    {
        return counterName.endsWith("_total") ?
            counterName.substring(0, counterName.length() - "_total".length()) : counterName;
    }
}
