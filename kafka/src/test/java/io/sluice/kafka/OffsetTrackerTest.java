package io.sluice.kafka;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The source's map from publication sequences back to Kafka offsets, driven directly.
 */
class OffsetTrackerTest
{
    private static final TopicPartition A = new TopicPartition("t", 0);
    private static final TopicPartition B = new TopicPartition("t", 1);

    @Test
    void anOffsetBecomesCommittableOnlyOnceTheRelayAcknowledgedItsMessage()
    {
        final OffsetTracker tracker = new OffsetTracker();
        tracker.offered(0, A, 10);
        tracker.offered(1, A, 11);
        tracker.offered(2, B, 5);
        tracker.offered(3, A, 12);
        assertNull(tracker.takeCommittable());
        tracker.acknowledged(0);
        assertNull(tracker.takeCommittable(), "a run of A is settled only once its last message is acknowledged");
        tracker.acknowledged(2);
        assertEquals(Map.of(A, 12L, B, 6L), tracker.takeCommittable());
        assertNull(tracker.takeCommittable(), "nothing new");
        assertFalse(tracker.allAcknowledged());
        tracker.acknowledged(3);
        assertEquals(Map.of(A, 13L, B, 6L), tracker.takeCommittable());
        assertTrue(tracker.allAcknowledged());
    }

    @Test
    void aLongRunOfOnePartitionCommitsInSteps()
    {
        final OffsetTracker tracker = new OffsetTracker();
        for (int i = 0; i < 3 * OffsetTracker.RUN; i++)
        {
            tracker.offered(i, A, 100 + i);
        }
        assertEquals(3, tracker.entries());
        tracker.acknowledged(OffsetTracker.RUN + 10);
        assertEquals(Map.of(A, 100L + OffsetTracker.RUN), tracker.takeCommittable());
    }

    @Test
    void aSkippedRecordSettlesWithTheMessageBeforeIt()
    {
        final OffsetTracker tracker = new OffsetTracker();
        tracker.offered(0, A, 1);
        tracker.offered(0, B, 7);
        tracker.offered(1, A, 2);
        tracker.acknowledged(0);
        assertEquals(Map.of(A, 2L, B, 8L), tracker.takeCommittable());
    }

    @Test
    void aRevokedPartitionIsForgottenAndALostPublicationDropsWhatWasNotAcknowledged()
    {
        final OffsetTracker tracker = new OffsetTracker();
        for (int i = 0; i < 40; i++)
        {
            tracker.offered(i, i % 2 == 0 ? A : B, i);
        }
        tracker.acknowledged(1);
        tracker.forget(B);
        assertEquals(-1, tracker.acknowledgedOffset(B));
        tracker.acknowledged(39);
        assertEquals(Map.of(A, 39L), tracker.takeCommittable());

        tracker.offered(40, A, 40);
        tracker.forgetUnacknowledged();
        assertTrue(tracker.allAcknowledged());
        assertEquals(39, tracker.acknowledgedOffset(A), "what was acknowledged stays committable");
    }
}
