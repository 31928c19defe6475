package io.sluice.kafka;

import io.sluice.client.ClientConfig;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.server.Relay;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.stream.StreamSnapshot;
import io.sluice.server.config.Strategy;
import io.sluice.server.bridge.BridgeConfig;
import io.sluice.server.bridge.BridgeSnapshot;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Topic to stream against a real broker: a {@code kafka-source} bridge feeding a throttled stream whose only
 * subscriber is slow. The source pauses its partitions and keeps polling, so the group does not rebalance (its
 * {@code max.poll.interval.ms} is far shorter than the run); nothing is skipped or reordered; and the committed
 * offsets never pass what the relay took.
 */
@Tag("kafka")
class KafkaSourceTest
{
    private static final int PARTITIONS = 3;
    private static final int PER_PARTITION = 8_000;
    /** 24 MB in all: more than the buffers between source and subscriber (rings, sockets) hold. */
    private static final int SIZE = 1000;
    private static final int SUBSCRIBER_RATE = 4_000;

    private LocalKafka kafka;

    @BeforeEach
    void broker()
    {
        kafka = TestKafka.broker();
    }

    @Test
    void aSlowSubscriberPausesThePartitionsWithoutARebalanceAndOffsetsFollowWhatTheRelayTook() throws Exception
    {
        final String topic = "events";
        kafka.createTopic(topic, PARTITIONS, Map.of());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName())))
        {
            for (int i = 0; i < PER_PARTITION; i++)
            {
                for (int p = 0; p < PARTITIONS; p++)
                {
                    final UnsafeBuffer value = new UnsafeBuffer(new byte[SIZE]);
                    value.putInt(0, p, ByteOrder.BIG_ENDIAN);
                    value.putLong(4, i, ByteOrder.BIG_ENDIAN);
                    producer.send(new ProducerRecord<>(topic, p, null, value.byteArray()));
                }
            }
            producer.flush();
        }

        final String group = "slow-group";
        // Small frames keep the source's publication ring small (eight of the largest).
        final RelayConfig config = RelayConfig.builder().port(0).maxFrameLength(16 << 10)
            .stream(topic, new StreamConfig(Strategy.THROTTLE, 16 << 10, StreamConfig.DEFAULT_LANE_RUNS,
                StreamConfig.DEFAULT_MEMORY_BYTES, StreamConfig.DEFAULT_SPILL_QUOTA_BYTES))
            .bridge(new BridgeConfig(null, KafkaSource.TYPE, topic, Map.of("topics", topic,
                "bootstrap-servers", kafka.bootstrapServers(), "group-id", group, "commit-interval", "100ms",
                // A consumer that stopped polling for 3 s would be thrown out of the group: the run takes longer.
                "consumer", Map.of("max.poll.interval.ms", "3000", "max.poll.records", "200"))))
            .build();
        try (Relay relay = Relay.start(config);
             Admin admin = KafkaTopics.admin(kafka.bootstrapServers());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())
                 .withReceiveBufferBytes(16 << 10).withSubscriptionRingBytes(16 << 10)))
        {
            final KafkaSource source = (KafkaSource)relay.bridges().all().get(0);
            // Nothing is taken from Kafka while the stream has no subscriber.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
            assertEquals(0, relay.bridges().snapshots().get(0).sent());

            final Subscription subscription = client.subscribe(topic);
            final long[] next = new long[PARTITIONS];
            final long total = (long)PARTITIONS * PER_PARTITION;
            long received = 0;
            int pausedSeen = 0;
            final long start = System.nanoTime();
            final long deadline = start + TimeUnit.SECONDS.toNanos(120);
            while (received < total && System.nanoTime() < deadline)
            {
                // The slow subscriber: at most SUBSCRIBER_RATE messages a second.
                final long due = start + received * TimeUnit.SECONDS.toNanos(1) / SUBSCRIBER_RATE;
                if (System.nanoTime() < due)
                {
                    LockSupport.parkNanos(Math.min(due - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(1)));
                    continue;
                }
                received += subscription.poll((buffer, offset, length, header) ->
                {
                    final int partition = buffer.getInt(offset, ByteOrder.BIG_ENDIAN);
                    final long index = buffer.getLong(offset + 4, ByteOrder.BIG_ENDIAN);
                    if (index != next[partition])
                    {
                        throw new AssertionError("partition " + partition + ": record " + index + " where "
                            + next[partition] + " was due");
                    }
                    next[partition]++;
                }, 50);
                pausedSeen = Math.max(pausedSeen, relay.bridges().snapshots().get(0).pausedPartitions());
                if (received % 2_000 < 50)
                {
                    // Committed first, then what the relay took by now: a commit made between the two reads only
                    // makes the check stricter.
                    long committed = 0;
                    for (final long offset : KafkaTopics.committed(admin, group).values())
                    {
                        committed += offset;
                    }
                    final long taken = stream(relay, topic).messagesIn();
                    assertTrue(committed <= taken, "committed " + committed + " of which the relay took only " + taken);
                }
            }
            assertEquals(total, received);
            assertTrue(System.nanoTime() - start > TimeUnit.SECONDS.toNanos(3), "longer than max.poll.interval.ms");
            assertEquals(PARTITIONS, pausedSeen, "every partition paused while the relay pushed back");
            assertEquals(1, source.assignments(), "no rebalance");
            assertEquals(0, source.revocations(), "no rebalance");

            final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Map<TopicPartition, Long> committed = KafkaTopics.committed(admin, group);
            while (committed.values().stream().mapToLong(Long::longValue).sum() < total && System.nanoTime() < until)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                committed = KafkaTopics.committed(admin, group);
            }
            for (int p = 0; p < PARTITIONS; p++)
            {
                assertEquals(PER_PARTITION, committed.get(new TopicPartition(topic, p)), "partition " + p);
            }
            final BridgeSnapshot snapshot = relay.bridges().snapshots().get(0);
            assertEquals(total, snapshot.sent());
            assertEquals(total, snapshot.confirmed());
            assertEquals(0, snapshot.pausedPartitions());
            assertTrue(snapshot.events().getOrDefault("pause", 0L) > 0, snapshot.toString());
        }
    }

    private static StreamSnapshot stream(final Relay relay, final String name)
    {
        return relay.metrics().streams().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }
}
