package io.sluice.kafka;

import io.sluice.server.bridge.BridgeConfig;
import io.sluice.server.bridge.BridgeConfigException;
import io.sluice.server.bridge.BridgeSettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code kafka-source} bridge's settings, read and checked from its entry in the relay config (see docs/kafka.md).
 *
 * @param topics the Kafka topics whose records go into the stream.
 * @param keyed whether a record whose value has at least 8 bytes is published as a keyed message (its key being the
 *              value's first 8 bytes, as a {@code kafka-sink} writes them).
 * @param recordTimestamp whether a message is stamped with its record's timestamp (else with the time it is
 *                        published).
 * @param commitIntervalMs how often offsets the relay acknowledged are committed.
 * @param waitForSubscriber whether the source takes nothing from Kafka while the stream has no subscriber (the relay
 *                          keeps nothing for a stream without subscribers).
 * @param unreachableAfterMs how long without a connection to Kafka before the source reports itself unhealthy.
 * @param consumer the properties the Kafka consumer is made with: the source's defaults, then the config's.
 */
public record KafkaSourceSettings(
    List<String> topics,
    boolean keyed,
    boolean recordTimestamp,
    long commitIntervalMs,
    boolean waitForSubscriber,
    long unreachableAfterMs,
    Map<String, Object> consumer)
{
    static final List<String> KEYS = List.of("topics", "bootstrap-servers", "group-id", "keyed", "timestamp",
        "commit-interval", "wait-for-subscriber", "unreachable-after", "consumer");

    /**
     * @param config the bridge's entry.
     * @return its settings.
     * @throws BridgeConfigException naming the first wrong setting.
     */
    public static KafkaSourceSettings of(final BridgeConfig config)
    {
        final BridgeSettings s = config.typedSettings();
        s.allowOnly(KEYS);
        if (!s.has("topics"))
        {
            throw new BridgeConfigException("topics", "required, not given", false);
        }
        final List<String> topics = s.list("topics");
        for (final String topic : topics)
        {
            KafkaSettings.topicName("topics", topic);
        }
        final boolean keyed = s.flag("keyed", false);
        final boolean recordTimestamp = "record".equals(s.choice("timestamp", "record", List.of("record", "now")));
        final long commitInterval = s.millis("commit-interval", 1_000, 10, 3_600_000);
        final boolean waitForSubscriber = s.flag("wait-for-subscriber", true);
        final long unreachableAfter = s.millis("unreachable-after", 5_000, 100, 3_600_000);

        final Map<String, Object> consumer = new LinkedHashMap<>();
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, "sluice-" + config.stream());
        // A new group starts at the beginning of the topics: nothing is skipped unless asked for.
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-" + config.name());
        if (s.has("bootstrap-servers"))
        {
            consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, s.requiredText("bootstrap-servers"));
        }
        if (s.has("group-id"))
        {
            consumer.put(ConsumerConfig.GROUP_ID_CONFIG, s.requiredText("group-id"));
        }
        consumer.putAll(s.properties("consumer"));
        // Offsets are committed by the source, and only for what the relay acknowledged.
        if ("true".equalsIgnoreCase(String.valueOf(consumer.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG))))
        {
            throw new BridgeConfigException("consumer." + ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                "the source commits offsets itself, only for what the relay acknowledged", false);
        }
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaSettings.checkClient(consumer, "consumer", ConsumerConfig::new);
        return new KafkaSourceSettings(topics, keyed, recordTimestamp, commitInterval, waitForSubscriber,
            unreachableAfter, Map.copyOf(consumer));
    }

    /** @return the consumer group. */
    public String groupId()
    {
        return String.valueOf(consumer.get(ConsumerConfig.GROUP_ID_CONFIG));
    }
}
