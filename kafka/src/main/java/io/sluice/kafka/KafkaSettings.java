package io.sluice.kafka;

import io.sluice.client.ClientConfig;
import io.sluice.core.protocol.Hello;
import io.sluice.server.bridge.BridgeContext;
import io.sluice.server.bridge.BridgeConfigException;

/**
 * Checks shared by the sink's and the source's settings.
 */
final class KafkaSettings
{
    private static final int MAX_TOPIC_LENGTH = 249;
    private static final int RELAY_HANDSHAKE_MS = 30_000;

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
            throw new BridgeConfigException(key, problem != null ? problem : "'" + topic + "' is not a topic name",
                false);
        }
        return topic;
    }

    /**
     * Checks a Kafka client's properties as Kafka would, so that a mistake is refused with the config file.
     *
     * @param properties the client's properties.
     * @param key the setting that holds them ({@code producer} or {@code consumer}).
     * @param check makes Kafka's config from them, e.g. {@code ProducerConfig::new}.
     */
    static void checkClient(final java.util.Map<String, Object> properties, final String key,
        final java.util.function.Consumer<java.util.Map<String, Object>> check)
    {
        if (!properties.containsKey(org.apache.kafka.clients.CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG))
        {
            throw new BridgeConfigException("bootstrap-servers", "required, not given (nor " + key
                + ".bootstrap.servers)", false);
        }
        try
        {
            check.accept(properties);
        }
        catch (final org.apache.kafka.common.config.ConfigException ex)
        {
            throw new BridgeConfigException(key, ex.getMessage(), false);
        }
    }

    /**
     * @param context what the relay gives its bridges.
     * @param maxMessageLength the client's largest message: sizes its rings.
     * @return settings for a bridge's client of its relay, with a generous handshake time (a durable subscription's
     * first WELCOME waits for its disk tier to open, slow on a loaded machine).
     */
    static ClientConfig relayClient(final BridgeContext context, final int maxMessageLength)
    {
        return ClientConfig.of(context.relayHost(), context.relayPort())
            .withAuthToken(context.authToken())
            .withMaxMessageLength(maxMessageLength)
            .withConnectTimeoutMs(RELAY_HANDSHAKE_MS);
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
