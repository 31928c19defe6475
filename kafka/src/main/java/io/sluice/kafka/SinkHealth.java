package io.sluice.kafka;

import org.agrona.concurrent.NanoClock;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Whether a sink is healthy, for its snapshot: the problem it reports, found every so often from what it ran into
 * (trouble that lasted), its producer's broker connections and how long Kafka has left its oldest record
 * unconfirmed. Trouble only becomes a problem once it has lasted {@code unreachable-after}, so a short outage or a
 * rebalance is not reported.
 * <p>
 * Written on the sink's thread; {@link #problem()} may be read from any thread.
 */
final class SinkHealth
{
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);

    private final String sinkName;
    private final KafkaSinkSettings settings;
    private final NanoClock clock;
    private final long limitNanos;
    private volatile String problem;
    private String trouble;
    private long troubleSinceNanos;
    private long lastSettledNanos;

    /**
     * @param sinkName the sink's name, for the log.
     * @param settings the sink's settings.
     * @param clock the sink thread's clock.
     */
    SinkHealth(final String sinkName, final KafkaSinkSettings settings, final NanoClock clock)
    {
        this.sinkName = sinkName;
        this.settings = settings;
        this.clock = clock;
        this.limitNanos = TimeUnit.MILLISECONDS.toNanos(settings.unreachableAfterMs());
        this.lastSettledNanos = clock.nanoTime();
    }

    /** @return what is wrong, or null while healthy. */
    String problem()
    {
        return problem;
    }

    /**
     * Notes something the sink ran into; it becomes the problem if it lasts.
     *
     * @param now now.
     * @param what what is wrong.
     */
    void trouble(final long now, final String what)
    {
        if (trouble == null)
        {
            troubleSinceNanos = now;
        }
        trouble = what;
    }

    /** The last trouble is over. */
    void clearTrouble()
    {
        trouble = null;
    }

    /** Kafka settled records just now: the oldest in flight waits from here. */
    void settled()
    {
        lastSettledNanos = clock.nanoTime();
    }

    /**
     * @param what why the sink's thread stopped: a problem from now on.
     */
    void stopped(final String what)
    {
        problem = what;
    }

    /**
     * Finds the problem now: no connection at all says the most, then what the sink itself ran into, then records
     * Kafka leaves unconfirmed.
     *
     * @param now now.
     * @param connections the producer's connections, or null while there is no producer.
     * @param window the records in flight.
     */
    void check(final long now, final KafkaConnections connections, final InFlightWindow window)
    {
        String found = null;
        if (connections != null && connections.withoutConnectionNanos(now) >= limitNanos)
        {
            found = "Kafka unreachable at " + settings.producer().get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)
                + ": no broker connection for "
                + TimeUnit.NANOSECONDS.toSeconds(connections.withoutConnectionNanos(now)) + " s";
        }
        else if (trouble != null && now - troubleSinceNanos >= limitNanos)
        {
            found = trouble;
        }
        else
        {
            final Delivery oldest = window.oldest();
            final long waiting = oldest == null || oldest.isDone() ? 0
                : now - Math.max(lastSettledNanos, oldest.sentAtNanos());
            if (waiting >= limitNanos)
            {
                found = "no confirmation from Kafka for " + TimeUnit.NANOSECONDS.toSeconds(waiting) + " s with "
                    + window.inFlight() + " records in flight";
            }
        }
        if (found != null && problem == null)
        {
            LOG.warn("kafka-sink {}: {}", sinkName, found);
        }
        else if (found == null && problem != null)
        {
            LOG.info("kafka-sink {}: healthy again", sinkName);
        }
        problem = found;
    }
}
