/**
 * Bridges between relay streams and Kafka topics: {@link io.sluice.kafka.KafkaSink} (stream to topic) and
 * {@link io.sluice.kafka.KafkaSource} (topics to stream), made by the relay from its config's {@code bridges} list
 * through {@link io.sluice.server.bridge.BridgeFactory}. {@link io.sluice.kafka.LocalKafka} runs a one-node broker
 * in-process for tests and the bench, when Kafka's server jars are on the class path. See docs/kafka.md.
 * <p>
 * A message's path through a sink: {@code KafkaSink} (its subscription, its thread) takes it into a slot of the
 * {@code InFlightWindow}; {@code SinkSender} sends the record {@code SinkRecords} makes and settles it; a failure is
 * classified by {@code SinkFailure} and accounted for (counted, dead-lettered) by {@code SinkFailures};
 * {@code SinkHealth} turns lasting trouble into the reported problem. A record's path through a source:
 * {@code SourcePollLoop} (its thread) polls it; {@code SourcePublisher} holds it and offers it to the stream;
 * {@code PartitionPauser} pauses the partitions while the relay pushes back; {@code OffsetCommitter} commits its
 * offset once the relay acknowledged it ({@code OffsetTracker}); {@code SourceHealth} reports the problem and the lag.
 */
package io.sluice.kafka;
