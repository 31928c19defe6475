package io.sluice.kafka;

/**
 * Why a sink failed a record it had taken: it had to stop before Kafka confirmed it. Without a stack trace, as it
 * says all there is to say.
 */
final class AbandonedException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    AbandonedException()
    {
        super("the sink stopped before Kafka confirmed it", null, false, false);
    }
}
