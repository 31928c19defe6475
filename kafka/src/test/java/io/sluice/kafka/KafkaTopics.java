package io.sluice.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Reads what the tests' broker holds: every record of a topic, and a group's committed offsets.
 */
final class KafkaTopics
{
    private KafkaTopics()
    {
    }

    /**
     * Reads every record of a topic from the beginning until {@code expected} have been read, or none arrived for
     * {@code quiet}; hands each to {@code each} and returns how many were read.
     */
    static long readAll(final String bootstrap, final String topic, final long expected, final Duration quiet,
        final Consumer<ConsumerRecord<byte[], byte[]>> each)
    {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
            ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000",
            ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(16 << 20))))
        {
            final List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long read = 0;
            long lastNanos = System.nanoTime();
            while (read < expected && System.nanoTime() - lastNanos < quiet.toNanos())
            {
                for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200)))
                {
                    each.accept(record);
                    read++;
                    lastNanos = System.nanoTime();
                }
            }
            return read;
        }
    }

    /** @return the group's committed offsets, by partition. */
    static Map<TopicPartition, Long> committed(final Admin admin, final String group) throws Exception
    {
        final Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
            .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        final Map<TopicPartition, Long> out = new HashMap<>();
        offsets.forEach((p, o) -> out.put(p, o == null ? 0 : o.offset()));
        return out;
    }

    /** @return an admin client of the broker. */
    static Admin admin(final String bootstrap)
    {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    /** @return a header's value as a big-endian number (4 or 8 bytes). */
    static long header(final ConsumerRecord<byte[], byte[]> record, final String name)
    {
        final Header header = record.headers().lastHeader(name);
        if (header == null)
        {
            throw new AssertionError("record without header " + name);
        }
        final ByteBuffer value = ByteBuffer.wrap(header.value());
        return header.value().length == 4 ? value.getInt() : value.getLong();
    }
}
