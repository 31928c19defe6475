package io.sluice.kafka;

import io.netty.buffer.ByteBuf;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.server.bridge.BridgeContext;
import io.sluice.spill.deadletter.DeadLetterDescriptor;
import org.agrona.concurrent.NanoClock;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sink's Kafka side driven directly, with Kafka's {@link MockProducer} and a hand-advanced clock: what it sends,
 * in which order, what it settles and what it keeps as dead letters.
 */
class SinkSenderTest
{
    private static final String TOPIC = "t";
    private static final long LIMIT_MS = 1000;

    private final long[] now = {TimeUnit.SECONDS.toNanos(100)};
    private final NanoClock clock = () -> now[0];
    private final List<String> deadLetters = new ArrayList<>();
    private final BridgeCounters events = new BridgeCounters();
    private MockProducer<byte[], byte[]> producer;
    private InFlightWindow window;
    private SinkFailures failures;
    private SinkHealth health;
    private SinkSender sender;

    /** Like the real producer, it fails what it has not completed when closed at once. */
    private static final class Producer extends MockProducer<byte[], byte[]>
    {
        Producer(final int partitions)
        {
            super(new Cluster("c", List.of(new Node(1, "localhost", 9092)), partitionInfos(partitions), Set.of(),
                Set.of()), false, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        private static List<PartitionInfo> partitionInfos(final int partitions)
        {
            final List<PartitionInfo> infos = new ArrayList<>();
            for (int i = 0; i < partitions; i++)
            {
                infos.add(new PartitionInfo(TOPIC, i, null, new Node[0], new Node[0]));
            }
            return infos;
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
    }

    @BeforeEach
    void setUp()
    {
        sender(4, 1 << 20);
    }

    private void sender(final int maxInFlight, final long maxInFlightBytes)
    {
        final KafkaSinkSettings settings = new KafkaSinkSettings(TOPIC, "sub", true, KafkaSinkSettings.BY_SOURCE, true,
            maxInFlight, maxInFlightBytes, LIMIT_MS, Map.of("bootstrap.servers", "localhost:9092"));
        producer = new Producer(2);
        window = new InFlightWindow(maxInFlight);
        final BridgeContext.DeadLetters store = (stream, reason, frames, index, length) ->
        {
            deadLetters.add(stream + " " + DeadLetterDescriptor.reasonName(reason) + " " + sequence(frames, index));
            return 1;
        };
        failures = new SinkFailures("sink", "s", TOPIC, store);
        health = new SinkHealth("sink", settings, clock);
        sender = new SinkSender("sink", settings, properties -> producer, window, failures, health, events, clock);
    }

    private static long sequence(final ByteBuf frames, final int index)
    {
        return frames.getLong(index + FrameDescriptor.SEQUENCE_OFFSET);
    }

    private void take(final long sequence, final int payloadBytes)
    {
        final Delivery d = sender.claim(payloadBytes);
        d.streamId = 1;
        d.sourceId = 7;
        d.sequence = sequence;
        d.timestampNanos = 5_000_000L;
        d.payload = new byte[payloadBytes];
        d.payload[0] = (byte)sequence;
        sender.send(d);
    }

    private List<Long> sentSequences()
    {
        final List<Long> sequences = new ArrayList<>();
        for (final ProducerRecord<byte[], byte[]> record : producer.history())
        {
            sequences.add((long)record.value()[0]);
        }
        return sequences;
    }

    @Test
    void sendsWhatItTakesAndRetiresWhatKafkaConfirmsInOrder()
    {
        assertTrue(sender.ready(now[0]));
        take(0, 8);
        take(1, 8);
        take(2, 8);
        assertEquals(List.of(0L, 1L, 2L), sentSequences());
        assertEquals(1, producer.history().get(0).partition(), "source 7 of 2 partitions");
        assertEquals(1, sender.room(256), "a window of 4 with 3 in flight");

        assertEquals(0, sender.settle(), "nothing confirmed yet");
        assertTrue(producer.completeNext());
        assertTrue(producer.completeNext());
        assertEquals(2, sender.settle());
        assertEquals(2, sender.confirmed());
        assertEquals(2, window.settledPosition());
        assertEquals(3, sender.room(256));
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void aRecordKafkaRefusesIsCountedAndKeptAsADeadLetter()
    {
        assertTrue(sender.ready(now[0]));
        take(0, 8);
        take(1, 8);
        assertTrue(producer.errorNext(new RecordTooLargeException("too large")));
        assertTrue(producer.completeNext());
        assertEquals(2, sender.settle());
        assertEquals(1, sender.confirmed());
        assertEquals(Map.of("record-too-large", 1L), failures.byReason());
        assertEquals(1, failures.deadLettered());
        assertEquals(List.of("s bridge-rejected 0"), deadLetters);
    }

    @Test
    void aSendThatFailsAtOnceWaitsWithEverythingAfterItUntilItsBackOffIsOver()
    {
        assertTrue(sender.ready(now[0]));
        producer.sendException = new TimeoutException("no metadata");
        take(0, 8);
        take(1, 8);
        assertTrue(sender.hasUnsent());
        assertEquals(1, events.get("send-retry"), "the second waits behind the first without being tried");
        assertTrue(producer.history().isEmpty());

        producer.sendException = null;
        assertEquals(0, sender.sendUnsent(now[0]), "not before the back-off is over");
        now[0] += TimeUnit.MILLISECONDS.toNanos(50);
        assertEquals(2, sender.sendUnsent(now[0]));
        assertFalse(sender.hasUnsent());
        assertEquals(List.of(0L, 1L), sentSequences());
    }

    @Test
    void troubleThatLastsBecomesTheProblemAndClearsOnceKafkaTakesTheRecords()
    {
        assertTrue(sender.ready(now[0]));
        producer.sendException = new TimeoutException("no metadata");
        take(0, 8);
        health.check(now[0], null, window);
        assertNull(health.problem(), "not before it lasted");
        now[0] += TimeUnit.MILLISECONDS.toNanos(LIMIT_MS);
        health.check(now[0], null, window);
        assertEquals("cannot send to Kafka: no metadata", health.problem());

        producer.sendException = null;
        assertEquals(1, sender.sendUnsent(now[0]));
        assertTrue(producer.completeNext());
        assertEquals(1, sender.settle());
        health.check(now[0], null, window);
        assertNull(health.problem());
    }

    @Test
    void theWindowStopsTakingWhenFullOfRecordsOrOfBytes()
    {
        sender(2, 16);
        assertTrue(sender.ready(now[0]));
        take(0, 8);
        assertEquals(1, sender.room(256));
        take(1, 8);
        assertEquals(0, sender.room(256), "full of records and of bytes");
        assertTrue(producer.completeNext());
        sender.settle();
        assertEquals(1, sender.room(256));

        sender(4, 16);
        assertTrue(sender.ready(now[0]));
        take(0, 16);
        assertEquals(0, sender.room(256), "a window of 4 with one record in flight, but 16 bytes of 16");
    }

    @Test
    void abandoningFailsWhatWaitsAndWhatKafkaHasNotConfirmedAsAbandoned()
    {
        assertTrue(sender.ready(now[0]));
        take(0, 8);
        take(1, 8);
        producer.sendException = new TimeoutException("no metadata");
        take(2, 8);
        producer.sendException = null;
        sender.abandon();
        assertTrue(sender.forcedClose());
        assertEquals(0, window.inFlight());
        assertEquals(Map.of("abandoned", 3L), failures.byReason(), "a forced close's refusals are abandonments");
        assertEquals(List.of("s bridge-timeout 0", "s bridge-timeout 1", "s bridge-timeout 2"), deadLetters);
        assertTrue(producer.closed());
    }

    @Test
    void noProducerNoSending()
    {
        final KafkaSinkSettings settings = new KafkaSinkSettings(TOPIC, "sub", true, KafkaSinkSettings.BY_SOURCE, true,
            4, 1 << 20, LIMIT_MS, Map.of());
        final int[] made = {0};
        final SinkSender failing = new SinkSender("sink", settings, properties ->
        {
            made[0]++;
            throw new KafkaException("no bootstrap servers");
        }, window, failures, health, events, clock);
        assertFalse(failing.ready(now[0]));
        assertFalse(failing.ready(now[0]), "backing off");
        assertEquals(1, made[0]);
        now[0] += TimeUnit.MILLISECONDS.toNanos(50);
        assertFalse(failing.ready(now[0]));
        assertEquals(2, made[0]);
        now[0] += TimeUnit.MILLISECONDS.toNanos(LIMIT_MS);
        health.check(now[0], null, window);
        assertEquals("cannot make the Kafka producer: no bootstrap servers", health.problem());
    }
}
