/**
 * Bridges between relay streams and Kafka topics: {@link io.sluice.kafka.KafkaSink} (stream to topic) and
 * {@link io.sluice.kafka.KafkaSource} (topics to stream), made by the relay from its config's {@code bridges} list
 * through {@link io.sluice.server.bridge.BridgeFactory}. {@link io.sluice.kafka.LocalKafka} runs a one-node broker
 * in-process for tests and the bench, when Kafka's server jars are on the class path. See docs/kafka.md.
 */
package io.sluice.kafka;
