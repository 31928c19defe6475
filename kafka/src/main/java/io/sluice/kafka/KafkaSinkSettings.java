package io.sluice.kafka;

import io.sluice.server.bridge.BridgeConfig;
import io.sluice.server.bridge.BridgeConfigException;
import io.sluice.server.bridge.BridgeSettings;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code kafka-sink} bridge's settings, read and checked from its entry in the relay config (see docs/kafka.md).
 *
 * @param topic the Kafka topic the stream's messages go to.
 * @param subscription the durable subscription name the sink subscribes to the stream with.
 * @param keyFromMessage whether a keyed message's key (its first 8 payload bytes) becomes the record's key.
 * @param partitionBy how a record's partition is chosen: {@link #BY_SOURCE}, {@link #BY_KEY} or {@link #BY_KAFKA}.
 * @param headers whether records carry the message's source id, sequence and timestamp as headers.
 * @param maxInFlight most records sent to Kafka and not yet confirmed (a power of two).
 * @param maxInFlightBytes most payload bytes sent to Kafka and not yet confirmed.
 * @param unreachableAfterMs how long without a connection to Kafka, or without a confirmation while records wait,
 *                           before the sink reports itself unhealthy.
 * @param producer the properties the Kafka producer is made with: the sink's defaults, then the config's.
 */
public record KafkaSinkSettings(
    String topic,
    String subscription,
    boolean keyFromMessage,
    String partitionBy,
    boolean headers,
    int maxInFlight,
    long maxInFlightBytes,
    long unreachableAfterMs,
    Map<String, Object> producer)
{
    /** Partition by the message's source: one source, one partition, so each source's order is kept. */
    public static final String BY_SOURCE = "source";
    /** Partition by the record's key (Kafka's partitioner); unkeyed messages by source. */
    public static final String BY_KEY = "key";
    /** Let Kafka's partitioner choose (sticky for records without a key): no order kept across partitions. */
    public static final String BY_KAFKA = "kafka";

    static final List<String> KEYS = List.of("topic", "bootstrap-servers", "subscription", "key", "partition-by",
        "headers", "max-in-flight", "max-in-flight-bytes", "unreachable-after", "producer");
    private static final long DEFAULT_IN_FLIGHT_BYTES = 16L << 20;

    /**
     * @param config the bridge's entry.
     * @return its settings.
     * @throws BridgeConfigException naming the first wrong setting.
     */
    public static KafkaSinkSettings of(final BridgeConfig config)
    {
        final BridgeSettings s = config.typedSettings();
        s.allowOnly(KEYS);
        final String topic = KafkaSettings.topicName("topic", s.requiredText("topic"));
        final String subscription = s.text("subscription", "kafka-sink-" + topic);
        KafkaSettings.checkName("subscription", subscription);
        final boolean key = "message-key".equals(s.choice("key", "message-key", List.of("message-key", "none")));
        final String partitionBy = s.choice("partition-by", BY_SOURCE, List.of(BY_SOURCE, BY_KEY, BY_KAFKA));
        final boolean headers = s.flag("headers", true);
        final long inFlight = s.wholeNumber("max-in-flight", 16384, 2, 1 << 20);
        if (Long.bitCount(inFlight) != 1)
        {
            throw new BridgeConfigException("max-in-flight", inFlight + " is not a power of two", false);
        }
        final long inFlightBytes = s.bytes("max-in-flight-bytes", DEFAULT_IN_FLIGHT_BYTES, 64 << 10, 1L << 30);
        final long unreachableAfter = s.millis("unreachable-after", 5_000, 100, 3_600_000);

        final Map<String, Object> producer = new LinkedHashMap<>();
        // Lossless and in order by default: every replica has it, retried (without duplicates) until Kafka takes it;
        // the sink's bounded window, not the producer, is where waiting happens, so send never blocks for long.
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producer.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        producer.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(Integer.MAX_VALUE));
        producer.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1000");
        producer.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(Math.max(32L << 20, 2 * inFlightBytes)));
        producer.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-" + config.name());
        if (s.has("bootstrap-servers"))
        {
            producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.requiredText("bootstrap-servers"));
        }
        producer.putAll(s.properties("producer"));
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        KafkaSettings.checkClient(producer, "producer", ProducerConfig::new);
        return new KafkaSinkSettings(topic, subscription, key, partitionBy, headers, (int)inFlight, inFlightBytes,
            unreachableAfter, Map.copyOf(producer));
    }
}
