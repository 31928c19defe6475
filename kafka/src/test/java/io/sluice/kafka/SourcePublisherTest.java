package io.sluice.kafka;

import io.sluice.client.Publication;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.server.bridge.BridgeConfig;
import org.agrona.DirectBuffer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A source's records offered to the relay, polled from Kafka's {@link MockConsumer} and offered to a relay that
 * answers as told: the messages made, the records held while the relay pushes back, the offsets noted.
 */
class SourcePublisherTest
{
    private static final TopicPartition A = new TopicPartition("t", 0);
    private static final TopicPartition B = new TopicPartition("t", 1);

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final OffsetTracker tracker = new OffsetTracker();
    private final BridgeCounters failed = new BridgeCounters();
    private final List<String> offered = new ArrayList<>();
    private final List<Long> answers = new ArrayList<>();
    private SourcePublisher publisher;

    /** Takes each message (or answers the next of {@link #answers}) and notes what it was offered. */
    private long offer(final DirectBuffer buffer, final int offset, final int length, final int flags,
        final long timestampNanos)
    {
        final long answer = answers.isEmpty() ? offered.size() : answers.remove(0);
        if (answer >= 0)
        {
            offered.add((length > 0 ? buffer.getByte(offset) : -1) + "/" + length + " flags " + flags + " at "
                + timestampNanos);
        }
        return answer;
    }

    @BeforeEach
    void setUp()
    {
        publisher = new SourcePublisher("source", settings("record"), tracker, failed);
        consumer.assign(List.of(A, B));
        consumer.updateBeginningOffsets(Map.of(A, 0L, B, 0L));
    }

    private static KafkaSourceSettings settings(final String timestamp)
    {
        return KafkaSourceSettings.of(new BridgeConfig("source", KafkaSource.TYPE, "s", Map.of("topics", "t",
            "bootstrap-servers", "localhost:9092", "timestamp", timestamp, "keyed", true)));
    }

    private void add(final TopicPartition partition, final long offset, final byte[] value)
    {
        consumer.addRecord(new ConsumerRecord<>(partition.topic(), partition.partition(), offset, 1_000L + offset,
            TimestampType.CREATE_TIME, 0, value == null ? 0 : value.length, null, value,
            new RecordHeaders(), Optional.empty()));
    }

    private static byte[] value(final int first, final int length)
    {
        final byte[] value = new byte[length];
        value[0] = (byte)first;
        return value;
    }

    @Test
    void eachRecordBecomesAMessageKeyedWhenItsValueCanCarryAKeyAndStampedWithItsTimestamp()
    {
        add(A, 0, value(1, FrameDescriptor.KEY_LENGTH));
        add(A, 1, value(2, 3));
        add(A, 2, null);
        publisher.hold(consumer.poll(Duration.ZERO));
        assertEquals(3, publisher.held());
        assertFalse(publisher.offerHeld(this::offer));
        final String keyed = String.valueOf(FrameDescriptor.FLAG_KEYED);
        assertEquals(List.of("1/8 flags " + keyed + " at 1000000000", "2/3 flags 0 at 1001000000",
            "-1/0 flags 0 at 1002000000"), offered);
        assertEquals(3, publisher.offered());
        tracker.acknowledged(2);
        assertEquals(Map.of(A, 3L), tracker.takeCommittable());
    }

    @Test
    void whenTheRelayPushesBackTheRestIsHeldInOrderAndOfferedLater()
    {
        add(A, 0, value(1, 4));
        add(A, 1, value(2, 4));
        add(A, 2, value(3, 4));
        publisher.hold(consumer.poll(Duration.ZERO));
        answers.add(0L);
        answers.add(Publication.BACK_PRESSURED);
        assertTrue(publisher.offerHeld(this::offer));
        assertEquals(2, publisher.held());
        assertEquals(1, publisher.offered());

        assertFalse(publisher.offerHeld(this::offer));
        assertEquals(3, offered.size());
        assertTrue(offered.get(1).startsWith("2/") && offered.get(2).startsWith("3/"), offered.toString());
    }

    @Test
    void aRecordTheRelayCanNeverTakeIsSkippedCountedAndSettledWithTheMessageBeforeIt()
    {
        add(A, 0, value(1, 4));
        add(A, 1, value(2, 4));
        publisher.hold(consumer.poll(Duration.ZERO));
        answers.add(0L);
        answers.add(Publication.MESSAGE_TOO_LARGE);
        assertFalse(publisher.offerHeld(this::offer), "skipped, not held");
        assertEquals(1, publisher.offered());
        assertEquals(Map.of("too-large-for-relay", 1L), failed.snapshot());
        tracker.acknowledged(0);
        assertEquals(Map.of(A, 2L), tracker.takeCommittable(), "the skipped record settles with message 0");
    }

    @Test
    void aPartitionTakenAwayTakesItsHeldRecordsWithIt()
    {
        add(A, 0, value(1, 4));
        add(B, 0, value(2, 4));
        add(A, 1, value(3, 4));
        publisher.hold(consumer.poll(Duration.ZERO));
        publisher.forget(List.of(A));
        assertEquals(1, publisher.held());
        assertFalse(publisher.offerHeld(this::offer));
        assertEquals(1, offered.size());
        assertTrue(offered.get(0).startsWith("2/"));

        add(B, 1, value(4, 4));
        publisher.hold(consumer.poll(Duration.ZERO));
        publisher.lost(0);
        assertFalse(publisher.holds());
        assertEquals(0, publisher.offered());
    }

    @Test
    void withoutRecordTimestampsAMessageIsStampedWhenOffered()
    {
        publisher = new SourcePublisher("source", settings("now"), tracker, failed);
        add(A, 0, value(1, 4));
        publisher.hold(consumer.poll(Duration.ZERO));
        publisher.offerHeld(this::offer);
        assertFalse(offered.get(0).endsWith(" at 1000000000"), offered.toString());
    }
}
