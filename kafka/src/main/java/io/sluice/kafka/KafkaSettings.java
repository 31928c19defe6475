package io.sluice.kafka;

import io.sluice.core.protocol.Hello;
import io.sluice.server.bridge.BridgeConfigException;

/**
 * Checks shared by the sink's and the source's settings.
 */
final class KafkaSettings
{
    private static final int MAX_TOPIC_LENGTH = 249;

    private KafkaSettings()
    {
    }

    /**
     * @return {@code topic} when it is a legal Kafka topic name: 1..249 of letters, digits, {@code . _ -}.
     */
    static String topicName(final String key, final String topic)
    {
        final String problem = topic.length() > MAX_TOPIC_LENGTH ? "topic name longer than " + MAX_TOPIC_LENGTH
            + " characters" : Hello.checkName("topic", topic, false);
        if (problem != null || ".".equals(topic) || "..".equals(topic))
        {
            throw new BridgeConfigException(key, problem != null ? problem : "'" + topic + "' is not a topic name", false);
        }
        return topic;
    }

    static void checkName(final String key, final String name)
    {
        final String problem = Hello.checkName(key, name, false);
        if (problem != null)
        {
            throw new BridgeConfigException(key, problem, false);
        }
    }
}
