package io.sluice.kafka;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.server.Relay;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.bridge.BridgeConfig;
import io.sluice.server.bridge.BridgeContext;
import io.sluice.server.bridge.BridgeSnapshot;
import io.sluice.spill.deadletter.DeadLetterDescriptor;
import io.sluice.spill.deadletter.DeadLetterReader;
import io.sluice.spill.deadletter.DeadLetterStore;
import io.sluice.spill.SpillConfig;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sink driven with Kafka's {@link MockProducer} in place of a broker, behind a real relay on loopback: what it
 * does when {@code send} fails at once, and what happens to records Kafka never confirmed when the sink must stop.
 */
class KafkaSinkDirectTest
{
    private static final String TOPIC = "t";

    @TempDir
    Path dir;

    /** A mock that, like the real producer, fails what it has not completed when closed at once. */
    private static final class Producer extends MockProducer<byte[], byte[]>
    {
        Producer()
        {
            super(new Cluster("c", List.of(new Node(1, "localhost", 9092)),
                List.of(new PartitionInfo(TOPIC, 0, null, new Node[0], new Node[0])), Set.of(), Set.of()),
                false, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public void close(final Duration timeout)
        {
            while (errorNext(new KafkaException("Producer is closed forcefully.")))
            {
                // Every record not completed fails, as KafkaProducer's abort does.
            }
            super.close(timeout);
        }

        synchronized void failSends(final RuntimeException e)
        {
            sendException = e;
        }

        synchronized int sent()
        {
            return history().size();
        }
    }

    private KafkaSink sink(final Relay relay, final Producer producer)
    {
        final BridgeConfig config = new BridgeConfig(null, KafkaSink.TYPE, "s", Map.of("topic", TOPIC,
            "bootstrap-servers", "localhost:9092", "unreachable-after", "60m"));
        final KafkaSink sink = new KafkaSink(config, new BridgeContext("127.0.0.1", relay.port(), "",
            relay.config().maxFrameLength(), null, stream -> 1), properties -> producer);
        sink.start();
        return sink;
    }

    private static void publish(final Relay relay, final int messages) throws Exception
    {
        try (SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             Publication publication = client.publish("s"))
        {
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[16]);
            for (long i = 0; i < messages; i++)
            {
                payload.putLong(0, i, ByteOrder.BIG_ENDIAN);
                assertTrue(publication.send(payload, 0, 16, Duration.ofSeconds(10)) >= 0);
            }
            await(() -> publication.ackedSequence() == messages - 1);
        }
    }

    @Test
    void aSendThatFailsAtOnceIsRetriedWithoutReorderingWhatFollows() throws Exception
    {
        final Producer producer = new Producer();
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build()))
        {
            final KafkaSink sink = sink(relay, producer);
            producer.failSends(new TimeoutException("Topic t not present in metadata after 1000 ms."));
            publish(relay, 100);
            await(() -> sink.snapshot().events().getOrDefault("send-retry", 0L) >= 2);
            // How many the sink took from its lane meanwhile depends on when the first failure came; what matters is
            // that nothing passes the send being retried.
            assertEquals(0, producer.sent(), "nothing reaches Kafka past a send that failed");

            producer.failSends(null);
            await(() -> producer.sent() == 100);
            final List<Long> order = new ArrayList<>();
            for (final ProducerRecord<byte[], byte[]> record : producer.history())
            {
                order.add(new UnsafeBuffer(record.value()).getLong(0, ByteOrder.BIG_ENDIAN));
            }
            for (int i = 0; i < 100; i++)
            {
                assertEquals(i, order.get(i), "sent in the order taken");
            }
            while (producer.completeNext())
            {
                // Kafka confirms them all.
            }
            await(() -> sink.snapshot().confirmed() == 100);
            assertEquals(0, sink.snapshot().inFlight());
            assertEquals(100, sink.settledPosition());
        }
    }

    @Test
    void recordsKafkaNeverConfirmedAreAbandonedIntoTheDeadLetterStoreWhenTheSinkMustStop() throws Exception
    {
        final Producer producer = new Producer();
        final Path deadLetters = dir.resolve("dead-letters");
        final KafkaSink sink;
        // The relay's kind of dead-letter store, drained here rather than by a relay's spill thread.
        final DeadLetterStore store = DeadLetterStore.create(SpillConfig.of(deadLetters, 8 << 20));
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build()))
        {
            final BridgeConfig config = new BridgeConfig(null, KafkaSink.TYPE, "s", Map.of("topic", TOPIC,
                "bootstrap-servers", "localhost:9092", "unreachable-after", "60m"));
            sink = new KafkaSink(config, new BridgeContext("127.0.0.1", relay.port(), "",
                relay.config().maxFrameLength(), store::offer, stream -> 1), properties -> producer);
            sink.start();
            publish(relay, 50);
            await(() -> producer.sent() == 50);
            sink.close(Duration.ofMillis(100));
        }
        final BridgeSnapshot snapshot = sink.snapshot();
        assertEquals(Map.of("abandoned", 50L), snapshot.failedByReason());
        assertEquals(50, snapshot.deadLettered());
        assertEquals(0, snapshot.confirmed());
        while (store.drain(1024) > 0)
        {
            // Onto disk.
        }
        store.close();
        final List<String> kept = new ArrayList<>();
        try (DeadLetterReader reader = DeadLetterReader.open(deadLetters, 1 << 20))
        {
            reader.read(record -> kept.add(DeadLetterDescriptor.reasonName(record.reason()) + " "
                + record.buffer().getLong(record.payloadOffset(), ByteOrder.BIG_ENDIAN)), 100);
        }
        assertEquals(50, kept.size());
        for (int i = 0; i < 50; i++)
        {
            assertEquals("bridge-timeout " + i, kept.get(i));
        }
    }

    private static void await(final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("condition not met within 30 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
