package io.sluice.kafka;

import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A source's committing of offsets, driven directly on Kafka's {@link MockConsumer} with a hand-advanced clock:
 * only what the relay acknowledged, only for assigned partitions, every commit interval.
 */
class OffsetCommitterTest
{
    private static final TopicPartition A = new TopicPartition("t", 0);
    private static final TopicPartition B = new TopicPartition("t", 1);
    private static final long INTERVAL_MS = 100;

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final OffsetTracker tracker = new OffsetTracker();
    private final BridgeCounters events = new BridgeCounters();
    private final PartitionPauser pauser = new PartitionPauser(events);
    private final OffsetCommitter committer = new OffsetCommitter("source", tracker, pauser.assigned(), events,
        INTERVAL_MS);
    private long now = TimeUnit.SECONDS.toNanos(100);

    @BeforeEach
    void assign()
    {
        consumer.assign(List.of(A, B));
        pauser.assign(consumer, List.of(A, B));
        tracker.offered(0, A, 10);
        tracker.offered(1, A, 11);
        tracker.offered(2, B, 5);
        tracker.offered(3, A, 12);
    }

    private Map<TopicPartition, OffsetAndMetadata> committed()
    {
        return consumer.committed(Set.of(A, B));
    }

    @Test
    void commitsOnlyWhatTheRelayAcknowledgedOncePerInterval()
    {
        committer.settle(consumer, now, 1);
        assertEquals(2, committer.acknowledged());
        assertEquals(Map.of(A, new OffsetAndMetadata(12)), committed(), "the next offset to read after 11");

        committer.settle(consumer, now + TimeUnit.MILLISECONDS.toNanos(INTERVAL_MS - 1), 2);
        assertEquals(3, committer.acknowledged());
        assertEquals(Map.of(A, new OffsetAndMetadata(12)), committed(), "not before the interval is over");

        now += TimeUnit.MILLISECONDS.toNanos(INTERVAL_MS);
        committer.settle(consumer, now, OffsetCommitter.NO_PUBLICATION);
        assertEquals(Map.of(A, new OffsetAndMetadata(12), B, new OffsetAndMetadata(6)), committed());
        assertEquals(3, committer.acknowledged());
    }

    @Test
    void aNewPublicationCountsItsAcknowledgementsFromItsFirstMessage()
    {
        committer.settle(consumer, now, 3);
        assertEquals(4, committer.acknowledged());
        committer.newPublication();
        tracker.offered(0, B, 6);
        committer.settle(consumer, now, 0);
        assertEquals(5, committer.acknowledged());
        committer.commit(consumer, true);
        assertEquals(Map.of(A, new OffsetAndMetadata(13), B, new OffsetAndMetadata(7)), committed());
    }

    @Test
    void aPartitionNoLongerAssignedIsNotCommitted()
    {
        pauser.leave(List.of(B));
        tracker.acknowledged(3);
        committer.commit(consumer, true);
        assertEquals(Map.of(A, new OffsetAndMetadata(13)), committed());
    }

    @Test
    void aFailedCommitIsCountedAndTheNextOneCommitsAgain()
    {
        final MockConsumer<byte[], byte[]> failing = new MockConsumer<>("earliest")
        {
            @Override
            public synchronized void commitSync(final Map<TopicPartition, OffsetAndMetadata> offsets,
                final Duration timeout)
            {
                throw new KafkaException("coordinator gone");
            }
        };
        tracker.acknowledged(1);
        committer.commit(failing, true);
        assertEquals(1, events.get("commit-failed"));

        tracker.acknowledged(2);
        committer.commit(consumer, true);
        assertEquals(Map.of(A, new OffsetAndMetadata(12), B, new OffsetAndMetadata(6)), committed());
    }
}
