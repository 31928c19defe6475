package io.sluice.kafka;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.server.Relay;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.bridge.BridgeConfig;
import io.sluice.server.bridge.BridgeSnapshot;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stream to topic against a real broker ({@link LocalKafka}, KRaft, in this JVM): a relay with a {@code kafka-sink}
 * bridge, publishers on real loopback sockets, and a Kafka consumer reading the topic back.
 */
@Tag("kafka")
class KafkaSinkTest
{
    @TempDir
    static Path dir;
    private LocalKafka kafka;

    @BeforeEach
    void broker()
    {
        kafka = TestKafka.broker();
    }

    @Test
    void aMillionMessagesFromTwoPublishersAreAllInTheTopicInOrderPerSource() throws Exception
    {
        final String topic = "million";
        final int perPublisher = 500_000;
        kafka.createTopic(topic, 4, Map.of());
        try (Relay relay = Relay.start(RelayConfig.builder().port(0)
                .bridge(new BridgeConfig(null, KafkaSink.TYPE, "orders",
                    Map.of("topic", topic, "bootstrap-servers", kafka.bootstrapServers())))
                .build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)))
        {
            final Publication[] publications = {client.publish("orders"), client.publish("orders")};
            final Thread[] producers = new Thread[publications.length];
            for (int p = 0; p < publications.length; p++)
            {
                final Publication publication = publications[p];
                producers[p] = new Thread(() -> publish(publication, perPublisher), "producer-" + p);
                producers[p].start();
            }
            for (final Thread producer : producers)
            {
                producer.join();
            }
            final BridgeSnapshot sink = awaitConfirmed(relay, 2L * perPublisher);
            assertEquals(0, sink.failed());

            final Map<Long, Long> nextSequence = new HashMap<>();
            final Map<Long, Integer> partitionOf = new HashMap<>();
            final long read = KafkaTopics.readAll(kafka.bootstrapServers(), topic, 2L * perPublisher,
                Duration.ofSeconds(30), record ->
                {
                    final long source = KafkaTopics.header(record, KafkaSink.HEADER_SOURCE);
                    final long sequence = KafkaTopics.header(record, KafkaSink.HEADER_SEQUENCE);
                    final long expected = nextSequence.getOrDefault(source, 0L);
                    if (sequence != expected)
                    {
                        throw new AssertionError("source " + source + ": sequence " + sequence + " after "
                            + (expected - 1));
                    }
                    nextSequence.put(source, expected + 1);
                    final UnsafeBuffer value = new UnsafeBuffer(record.value());
                    assertEquals(sequence, value.getLong(0, ByteOrder.BIG_ENDIAN), "payload of the message itself");
                    assertEquals(partitionOf.computeIfAbsent(source, s -> record.partition()), record.partition(),
                        "one source, one partition");
                });
            assertEquals(2L * perPublisher, read);
            assertEquals(2, nextSequence.size());
            nextSequence.values().forEach(n -> assertEquals(perPublisher, n));
        }
    }

    @Test
    void recordsKafkaRefusesGoToTheDeadLetterStoreWithTheReasonAndTheRestArrive() throws Exception
    {
        final String topic = "small-records";
        kafka.createTopic(topic, 1, Map.of("max.message.bytes", "2048"));
        final Path deadLetters = dir.resolve("dead-letters");
        final int[] sizes = {64, 4000, 64, 10_000, 64};
        try (Relay relay = Relay.start(RelayConfig.builder().port(0)
                .deadLetterDirectory(deadLetters).deadLetterQuotaBytes(16 << 20)
                .bridge(new BridgeConfig(null, KafkaSink.TYPE, "small", Map.of("topic", topic,
                    "bootstrap-servers", kafka.bootstrapServers(),
                    // The broker refuses the 4000-byte record (topic limit); the producer itself the 10000-byte one.
                    "producer", Map.of("max.request.size", "8192"))))
                .build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             Publication publication = client.publish("small"))
        {
            for (int i = 0; i < sizes.length; i++)
            {
                final UnsafeBuffer payload = new UnsafeBuffer(new byte[sizes[i]]);
                payload.putLong(0, i, ByteOrder.BIG_ENDIAN);
                assertTrue(publication.send(payload, 0, sizes[i], Duration.ofSeconds(10)) >= 0);
            }
            final BridgeSnapshot sink = awaitConfirmed(relay, sizes.length);
            assertEquals(3, sink.confirmed());
            assertEquals(Map.of("record-too-large", 2L), sink.failedByReason());
            assertEquals(2, sink.deadLettered());
            assertEquals(0, sink.inFlight());
            assertEquals(5, sink.sent());
        }
        final java.util.List<String> kept = new java.util.ArrayList<>();
        try (io.sluice.spill.deadletter.DeadLetterReader reader =
            io.sluice.spill.deadletter.DeadLetterReader.open(deadLetters, 1 << 20))
        {
            reader.read(record -> kept.add(record.stream() + " " + record.sequence() + " "
                + io.sluice.spill.deadletter.DeadLetterDescriptor.reasonName(record.reason()) + " "
                + record.payloadLength()
                + " " + record.buffer().getLong(record.payloadOffset(), ByteOrder.BIG_ENDIAN)), 100);
        }
        assertEquals(java.util.List.of("small 1 bridge-rejected 4000 1", "small 3 bridge-rejected 10000 3"), kept);
        final java.util.List<Long> arrived = new java.util.ArrayList<>();
        KafkaTopics.readAll(kafka.bootstrapServers(), topic, 3, Duration.ofSeconds(10),
            record -> arrived.add(new UnsafeBuffer(record.value()).getLong(0, ByteOrder.BIG_ENDIAN)));
        assertEquals(java.util.List.of(0L, 2L, 4L), arrived);
    }

    static void publish(final Publication publication, final int messages)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
        for (long i = 0; i < messages; i++)
        {
            payload.putLong(0, i, ByteOrder.BIG_ENDIAN);
            if (publication.send(payload, 0, 64, Duration.ofSeconds(60)) < 0)
            {
                throw new AssertionError("message " + i + " not accepted within 60 s");
            }
        }
    }

    static BridgeSnapshot awaitConfirmed(final Relay relay, final long confirmed) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        BridgeSnapshot sink = relay.bridges().snapshots().get(0);
        while (sink.confirmed() + sink.failed() < confirmed && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
            sink = relay.bridges().snapshots().get(0);
        }
        assertEquals(confirmed, sink.confirmed() + sink.failed(), sink.toString());
        assertTrue(sink.healthy(), sink.toString());
        return sink;
    }
}
