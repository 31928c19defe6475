package io.sluice.kafka;

import io.sluice.core.protocol.FrameDescriptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The records a sink makes for the messages it takes, by its settings.
 */
class SinkRecordsTest
{
    private static KafkaSinkSettings settings(final boolean key, final String partitionBy, final boolean headers)
    {
        return new KafkaSinkSettings("t", "sub", key, partitionBy, headers, 8, 1 << 20, 1000, Map.of());
    }

    private static Delivery message(final int flags, final int sourceId, final byte[] payload)
    {
        final Delivery d = new Delivery();
        d.streamId = 3;
        d.sourceId = sourceId;
        d.flags = flags;
        d.sequence = 0x0102030405060708L;
        d.timestampNanos = 1_700_000_000_123_456_789L;
        d.payload = payload;
        return d;
    }

    @Test
    void aRecordCarriesTheMessagesSourceSequenceAndTimestampAsBigEndianHeaders()
    {
        final SinkRecords records = new SinkRecords(settings(true, KafkaSinkSettings.BY_SOURCE, true));
        final byte[] payload = {1, 2, 3};
        final ProducerRecord<byte[], byte[]> record = records.record(message(0, 0x0A0B0C0D, payload), 4);
        assertEquals("t", record.topic());
        assertEquals(1_700_000_000_123L, record.timestamp(), "milliseconds of the publisher's timestamp");
        assertNull(record.key(), "an unkeyed message has no key");
        assertEquals(payload, record.value());
        final List<Header> headers = Arrays.asList(record.headers().toArray());
        assertEquals(3, headers.size());
        assertEquals(KafkaSink.HEADER_SOURCE, headers.get(0).key());
        assertArrayEquals(new byte[] {0x0A, 0x0B, 0x0C, 0x0D}, headers.get(0).value());
        assertEquals(KafkaSink.HEADER_SEQUENCE, headers.get(1).key());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, headers.get(1).value());
        assertEquals(KafkaSink.HEADER_TIMESTAMP, headers.get(2).key());
        assertEquals(1_700_000_000_123_456_789L, ByteBuffer.wrap(headers.get(2).value()).getLong());
    }

    @Test
    void withoutHeadersARecordHasNone()
    {
        final SinkRecords records = new SinkRecords(settings(true, KafkaSinkSettings.BY_SOURCE, false));
        assertEquals(0, records.record(message(0, 1, new byte[4]), 4).headers().toArray().length);
    }

    @Test
    void aKeyedMessagesFirstEightBytesBecomeTheKeyWhenTheSettingsSaySo()
    {
        final byte[] payload = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        final Delivery keyed = message(FrameDescriptor.FLAG_KEYED, 1, payload);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8},
            new SinkRecords(settings(true, KafkaSinkSettings.BY_SOURCE, false)).record(keyed, 4).key());
        assertNull(new SinkRecords(settings(false, KafkaSinkSettings.BY_SOURCE, false)).record(keyed, 4).key());
        assertNull(new SinkRecords(settings(true, KafkaSinkSettings.BY_SOURCE, false))
            .record(message(FrameDescriptor.FLAG_KEYED, 1, new byte[7]), 4).key(), "shorter than a key: none");
    }

    @Test
    void thePartitionFollowsTheSourceTheKeyOrKafka()
    {
        final SinkRecords bySource = new SinkRecords(settings(true, KafkaSinkSettings.BY_SOURCE, false));
        assertEquals(2, bySource.record(message(0, 6, new byte[8]), 4).partition());
        assertEquals(3, bySource.record(message(0, -1, new byte[8]), 4).partition(), "a negative id wraps");
        assertEquals(2, bySource.record(message(FrameDescriptor.FLAG_KEYED, 6, new byte[8]), 4).partition(),
            "by source even when keyed");

        final SinkRecords byKey = new SinkRecords(settings(true, KafkaSinkSettings.BY_KEY, false));
        assertNull(byKey.record(message(FrameDescriptor.FLAG_KEYED, 6, new byte[8]), 4).partition(),
            "a keyed record goes where Kafka's partitioner puts its key");
        assertEquals(2, byKey.record(message(0, 6, new byte[8]), 4).partition(), "unkeyed: by source");

        final SinkRecords byKafka = new SinkRecords(settings(true, KafkaSinkSettings.BY_KAFKA, false));
        assertNull(byKafka.record(message(0, 6, new byte[8]), 0).partition());
    }
}
