package io.sluice.kafka;

import io.sluice.spill.deadletter.DeadLetterDescriptor;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Why a sink's record failed for good, as counted in its snapshot's failures by reason and kept in the dead-letter
 * store. The classification is by the exception Kafka's producer (or the sink) settled the record with; a record
 * that failed at once with a {@linkplain #isRetriable retriable} error is not a failure yet: the sink sends it again.
 */
enum SinkFailure
{
    /** The sink had to stop before Kafka confirmed the record. */
    ABANDONED("abandoned", DeadLetterDescriptor.REASON_BRIDGE_TIMEOUT),
    /** Larger than the producer or the broker takes. */
    RECORD_TOO_LARGE("record-too-large", DeadLetterDescriptor.REASON_BRIDGE_REJECTED),
    /** The sink may not write to the topic. */
    NOT_AUTHORIZED("not-authorized", DeadLetterDescriptor.REASON_BRIDGE_REJECTED),
    /** The topic's name is not one Kafka takes. */
    INVALID_TOPIC("invalid-topic", DeadLetterDescriptor.REASON_BRIDGE_REJECTED),
    /** Kafka did not confirm it within {@code delivery.timeout.ms}. */
    TIMEOUT("timeout", DeadLetterDescriptor.REASON_BRIDGE_TIMEOUT),
    /** Any other refusal. */
    REJECTED("rejected", DeadLetterDescriptor.REASON_BRIDGE_REJECTED);

    private final String reasonName;
    private final int deadLetterReason;

    SinkFailure(final String reasonName, final int deadLetterReason)
    {
        this.reasonName = reasonName;
        this.deadLetterReason = deadLetterReason;
    }

    /** @return the name it is counted under in the sink's snapshot. */
    String reasonName()
    {
        return reasonName;
    }

    /** @return the reason code its dead letters are kept with. */
    int deadLetterReason()
    {
        return deadLetterReason;
    }

    /**
     * @param error what the record was settled with.
     * @return the failure it stands for.
     */
    static SinkFailure of(final Exception error)
    {
        if (error instanceof AbandonedException)
        {
            return ABANDONED;
        }
        if (error instanceof RecordTooLargeException)
        {
            return RECORD_TOO_LARGE;
        }
        if (error instanceof AuthorizationException)
        {
            return NOT_AUTHORIZED;
        }
        if (error instanceof InvalidTopicException)
        {
            return INVALID_TOPIC;
        }
        if (error instanceof RetriableException)
        {
            return TIMEOUT;
        }
        return REJECTED;
    }

    /**
     * @param error what a {@code send} failed with at once, before the record was queued.
     * @return whether sending it again may succeed (no metadata yet, the buffer full): the sink retries it in order.
     */
    static boolean isRetriable(final Exception error)
    {
        return error instanceof RetriableException;
    }
}
