package io.sluice.kafka;

import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.RelayConfigFile;
import io.sluice.server.bridge.BridgeConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kafka bridges' settings as the relay config file gives them: defaults, producer and consumer properties
 * passed through, and errors that name the file and the key.
 */
class KafkaBridgeSettingsTest
{
    private static List<BridgeConfig> parse(final String yaml)
    {
        return RelayConfigFile.parse(yaml, "relay.yaml", RelayConfig.builder()).build().bridges();
    }

    private static String error(final String yaml)
    {
        return assertThrows(IllegalArgumentException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void aSinkIsLosslessAndInOrderByDefaultAndTakesProducerPropertiesAsGiven()
    {
        final KafkaSinkSettings sink = KafkaSinkSettings.of(parse("""
            bridges:
              - type: kafka-sink
                stream: orders
                topic: orders-log
                bootstrap-servers: kafka-1:9092
                producer:
                  linger.ms: 20
                  compression.type: lz4
            """).get(0));
        assertEquals("orders-log", sink.topic());
        assertEquals("kafka-sink-orders-log", sink.subscription());
        assertEquals(KafkaSinkSettings.BY_SOURCE, sink.partitionBy());
        assertTrue(sink.keyFromMessage());
        assertTrue(sink.headers());
        assertEquals("all", sink.producer().get("acks"));
        assertEquals("true", sink.producer().get("enable.idempotence"));
        assertEquals(Integer.toString(Integer.MAX_VALUE), sink.producer().get("delivery.timeout.ms"));
        assertEquals("1000", sink.producer().get("max.block.ms"));
        assertEquals("20", sink.producer().get("linger.ms"));
        assertEquals("lz4", sink.producer().get("compression.type"));
        assertEquals("kafka-1:9092", sink.producer().get("bootstrap.servers"));
        assertEquals("sluice-kafka-sink-orders", sink.producer().get("client.id"));
    }

    @Test
    void aSourceCommitsItselfAndStartsAtTheBeginningByDefault()
    {
        final KafkaSourceSettings source = KafkaSourceSettings.of(parse("""
            bridges:
              - type: kafka-source
                stream: events
                topics: [a, b]
                bootstrap-servers: kafka-1:9092
            """).get(0));
        assertEquals(List.of("a", "b"), source.topics());
        assertEquals("sluice-events", source.groupId());
        assertEquals("false", source.consumer().get("enable.auto.commit"));
        assertEquals("earliest", source.consumer().get("auto.offset.reset"));
        assertTrue(source.waitForSubscriber());
        assertFalse(source.keyed());
        assertEquals(1000, source.commitIntervalMs());
    }

    @Test
    void wrongSettingsAreRefusedNamingTheFileAndTheKey()
    {
        assertEquals("bad value for 'bridges[0].topic' in relay.yaml: required, not given",
            error("bridges:\n  - type: kafka-sink\n    stream: s\n    bootstrap-servers: k:9092\n"));
        assertEquals("bad value for 'bridges[0].bootstrap-servers' in relay.yaml: required, not given (nor "
            + "producer.bootstrap.servers)", error("bridges:\n  - type: kafka-sink\n    stream: s\n    topic: t\n"));
        assertTrue(error("bridges:\n  - type: kafka-sink\n    stream: s\n    topic: t\n    topik: u\n")
            .startsWith("unknown key 'bridges[0].topik' in relay.yaml (known: topic, bootstrap-servers,"));
        assertEquals("bad value for 'bridges[0].max-in-flight' in relay.yaml: 1000 is not a power of two",
            error("bridges:\n  - type: kafka-sink\n    stream: s\n    topic: t\n    bootstrap-servers: k:1\n"
                + "    max-in-flight: 1000\n"));
        assertEquals("bad value for 'bridges[0].partition-by' in relay.yaml: 'random' is not one of source, key, kafka",
            error("bridges:\n  - type: kafka-sink\n    stream: s\n    topic: t\n    bootstrap-servers: k:1\n"
                + "    partition-by: random\n"));
        assertTrue(error("bridges:\n  - type: kafka-sink\n    stream: s\n    topic: t\n    bootstrap-servers: k:1\n"
                + "    producer:\n      acks: some\n")
            .startsWith("bad value for 'bridges[0].producer' in relay.yaml: "
                + "Invalid value some for configuration acks"));
        assertEquals("bad value for 'bridges[0].consumer.enable.auto.commit' in relay.yaml: the source commits "
                + "offsets itself, only for what the relay acknowledged",
            error("bridges:\n  - type: kafka-source\n    stream: s\n    topics: t\n    bootstrap-servers: k:1\n"
                + "    consumer:\n      enable.auto.commit: true\n"));
        assertTrue(error("bridges:\n  - type: kafka-source\n    stream: s\n    topics: [ok, 'not ok']\n"
                + "    bootstrap-servers: k:1\n")
            .startsWith("bad value for 'bridges[0].topics' in relay.yaml: topic name 'not ok' has character ' '"));
    }
}
