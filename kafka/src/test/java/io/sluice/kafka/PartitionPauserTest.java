package io.sluice.kafka;

import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A source's pausing of its partitions, driven directly on Kafka's {@link MockConsumer}.
 */
class PartitionPauserTest
{
    private static final TopicPartition A = new TopicPartition("t", 0);
    private static final TopicPartition B = new TopicPartition("t", 1);
    private static final TopicPartition C = new TopicPartition("t", 2);

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final BridgeCounters events = new BridgeCounters();
    private final PartitionPauser pauser = new PartitionPauser(events);

    @Test
    void pausesEveryAssignedPartitionOnTheFirstReasonAndResumesThemWhenTheLastIsGone()
    {
        consumer.assign(List.of(A, B));
        pauser.assign(consumer, List.of(A, B));
        assertEquals(0, pauser.pausedPartitions());

        pauser.set(consumer, PartitionPauser.Reason.BACK_PRESSURED, true);
        assertEquals(Set.of(A, B), consumer.paused());
        assertEquals(2, pauser.pausedPartitions());
        assertTrue(pauser.isPaused(PartitionPauser.Reason.BACK_PRESSURED));
        assertFalse(pauser.isPaused(PartitionPauser.Reason.NO_SUBSCRIBER));

        pauser.set(consumer, PartitionPauser.Reason.NO_SUBSCRIBER, true);
        pauser.set(consumer, PartitionPauser.Reason.BACK_PRESSURED, false);
        assertEquals(Set.of(A, B), consumer.paused(), "still without a subscriber");
        assertEquals(1, events.get("pause"));
        assertEquals(0, events.get("resume"));

        pauser.set(consumer, PartitionPauser.Reason.NO_SUBSCRIBER, false);
        assertEquals(Set.of(), consumer.paused());
        assertEquals(0, pauser.pausedPartitions());
        assertEquals(1, events.get("resume"));
    }

    @Test
    void aPartitionAssignedWhilePausedIsPausedAtOnce()
    {
        consumer.assign(List.of(A, B, C));
        pauser.assign(consumer, List.of(A));
        pauser.set(consumer, PartitionPauser.Reason.BACK_PRESSURED, true);
        pauser.assign(consumer, List.of(B, C));
        assertEquals(Set.of(A, B, C), consumer.paused());
        assertEquals(3, pauser.pausedPartitions());
        assertEquals(Set.of(A, B, C), pauser.assigned());

        pauser.leave(List.of(A, B));
        assertEquals(Set.of(C), pauser.assigned());
        assertEquals(1, pauser.pausedPartitions());
    }

    @Test
    void withNothingAssignedAReasonPausesNothingButIsKept()
    {
        pauser.set(consumer, PartitionPauser.Reason.NO_SUBSCRIBER, true);
        assertEquals(0, events.get("pause"));
        assertTrue(pauser.isPaused(PartitionPauser.Reason.NO_SUBSCRIBER));

        consumer.assign(List.of(A));
        pauser.assign(consumer, List.of(A));
        assertEquals(Set.of(A), consumer.paused());
        assertEquals(1, pauser.pausedPartitions());

        pauser.reset();
        assertFalse(pauser.isPaused(PartitionPauser.Reason.NO_SUBSCRIBER));
        assertEquals(Set.of(), pauser.assigned());
        assertEquals(0, pauser.pausedPartitions());
    }

    @Test
    void stoppingPausesEveryAssignedPartitionWhateverTheReasons()
    {
        consumer.assign(List.of(A, B));
        pauser.assign(consumer, List.of(A, B));
        pauser.pauseAll(consumer);
        assertEquals(Set.of(A, B), consumer.paused());
        assertEquals(0, events.get("pause"));
    }
}
