package io.sluice.kafka;

import io.sluice.spill.deadletter.DeadLetterDescriptor;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a sink classifies what its records failed with.
 */
class SinkFailureTest
{
    @Test
    void eachExceptionHasItsReasonAndDeadLetterReason()
    {
        assertEquals(SinkFailure.ABANDONED, SinkFailure.of(new AbandonedException()));
        assertEquals(SinkFailure.RECORD_TOO_LARGE, SinkFailure.of(new RecordTooLargeException("big")));
        assertEquals(SinkFailure.NOT_AUTHORIZED, SinkFailure.of(new TopicAuthorizationException("no")));
        assertEquals(SinkFailure.INVALID_TOPIC, SinkFailure.of(new InvalidTopicException("bad")));
        assertEquals(SinkFailure.TIMEOUT, SinkFailure.of(new TimeoutException("late")));
        assertEquals(SinkFailure.REJECTED, SinkFailure.of(new KafkaException("closed")));

        assertEquals("record-too-large", SinkFailure.RECORD_TOO_LARGE.reasonName());
        assertEquals(DeadLetterDescriptor.REASON_BRIDGE_TIMEOUT, SinkFailure.ABANDONED.deadLetterReason());
        assertEquals(DeadLetterDescriptor.REASON_BRIDGE_TIMEOUT, SinkFailure.TIMEOUT.deadLetterReason());
        assertEquals(DeadLetterDescriptor.REASON_BRIDGE_REJECTED, SinkFailure.REJECTED.deadLetterReason());
        assertEquals(DeadLetterDescriptor.REASON_BRIDGE_REJECTED, SinkFailure.NOT_AUTHORIZED.deadLetterReason());
    }

    @Test
    void onlyRetriableErrorsAreSentAgain()
    {
        assertTrue(SinkFailure.isRetriable(new TimeoutException("no metadata")));
        assertFalse(SinkFailure.isRetriable(new RecordTooLargeException("big")));
        assertFalse(SinkFailure.isRetriable(new KafkaException("closed")));
    }
}
