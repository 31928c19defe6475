package io.sluice.kafka;

import io.sluice.core.protocol.FrameDescriptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.util.Arrays;

/**
 * Makes the Kafka record for a message a sink took: its topic, partition, timestamp, key and headers, as the sink's
 * settings say.
 * <p>
 * The record, its key and its headers are made for each message: the producer keeps them until the record's
 * callback (and may hand them to interceptors and serializers that keep them longer), so none can be reused. The
 * partition boxes to a cached {@link Integer} for the partition counts topics have in practice.
 */
final class SinkRecords
{
    private final String topic;
    private final boolean keyFromMessage;
    private final String partitionBy;
    private final boolean headers;

    /**
     * @param settings the sink's settings.
     */
    SinkRecords(final KafkaSinkSettings settings)
    {
        this.topic = settings.topic();
        this.keyFromMessage = settings.keyFromMessage();
        this.partitionBy = settings.partitionBy();
        this.headers = settings.headers();
    }

    /**
     * @param d the message taken.
     * @param partitions the topic's partition count, when partitioning by source (else unused).
     * @return its record.
     */
    ProducerRecord<byte[], byte[]> record(final Delivery d, final int partitions)
    {
        final boolean keyed = (d.flags & FrameDescriptor.FLAG_KEYED) != 0
            && d.payload.length >= FrameDescriptor.KEY_LENGTH;
        final byte[] key = keyed && keyFromMessage ? Arrays.copyOf(d.payload, FrameDescriptor.KEY_LENGTH) : null;
        final Integer partition = switch (partitionBy)
        {
            case KafkaSinkSettings.BY_KAFKA -> null;
            case KafkaSinkSettings.BY_KEY -> key != null ? null : Math.floorMod(d.sourceId, partitions);
            default -> Math.floorMod(d.sourceId, partitions);
        };
        final RecordHeaders recordHeaders = headers ? new RecordHeaders(new RecordHeader[] {
            new RecordHeader(KafkaSink.HEADER_SOURCE, bigEndian(d.sourceId, 4)),
            new RecordHeader(KafkaSink.HEADER_SEQUENCE, bigEndian(d.sequence, 8)),
            new RecordHeader(KafkaSink.HEADER_TIMESTAMP, bigEndian(d.timestampNanos, 8))}) : null;
        return new ProducerRecord<>(topic, partition, d.timestampNanos / 1_000_000, key, d.payload, recordHeaders);
    }

    private static byte[] bigEndian(final long value, final int bytes)
    {
        final byte[] out = new byte[bytes];
        for (int i = 0; i < bytes; i++)
        {
            out[i] = (byte)(value >>> (8 * (bytes - 1 - i)));
        }
        return out;
    }
}
