package io.sluice.kafka;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Whether a source is healthy, and how far behind it is, for its snapshot: the problem it reports (no broker
 * connection, or trouble that lasted {@code unreachable-after}) and its lag (records in its partitions not yet
 * offered, -1 while Kafka has not told).
 * <p>
 * Written on the source's thread; the problem and the lag may be read from any thread.
 */
final class SourceHealth
{
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);

    private final String sourceName;
    private final KafkaSourceSettings settings;
    private final long limitNanos;
    private volatile String problem;
    private volatile long lag = -1;
    private String trouble;
    private long troubleSinceNanos;

    /**
     * @param sourceName the source's name, for the log.
     * @param settings the source's settings.
     */
    SourceHealth(final String sourceName, final KafkaSourceSettings settings)
    {
        this.sourceName = sourceName;
        this.settings = settings;
        this.limitNanos = TimeUnit.MILLISECONDS.toNanos(settings.unreachableAfterMs());
    }

    /** @return what is wrong, or null while healthy. */
    String problem()
    {
        return problem;
    }

    /** @return records behind, or -1 when not known. */
    long lag()
    {
        return lag;
    }

    /**
     * Notes something the source ran into; it is the problem once it has lasted.
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
        if (problem == null && now - troubleSinceNanos >= limitNanos)
        {
            problem = what;
        }
    }

    /** The last trouble is over. */
    void clearTrouble()
    {
        trouble = null;
    }

    /**
     * @param what why the source's thread stopped: a problem from now on.
     */
    void stopped(final String what)
    {
        problem = what;
    }

    /**
     * Measures the lag and finds the problem now.
     *
     * @param now now.
     * @param consumer the source's consumer.
     * @param assigned its partitions.
     * @param held records polled and not yet offered.
     * @param connections the consumer's broker connections, or null.
     */
    void check(final long now, final Consumer<?, ?> consumer, final Set<TopicPartition> assigned, final int held,
        final KafkaConnections connections)
    {
        long sum = held;
        boolean known = true;
        for (final TopicPartition partition : assigned)
        {
            final OptionalLong partitionLag = consumer.currentLag(partition);
            if (partitionLag.isPresent())
            {
                sum += partitionLag.getAsLong();
            }
            else
            {
                known = false;
            }
        }
        lag = known ? sum : -1;
        String found = null;
        if (connections != null && connections.withoutConnectionNanos(now) >= limitNanos)
        {
            found = "Kafka unreachable at " + settings.consumer().get("bootstrap.servers")
                + ": no broker connection for "
                + TimeUnit.NANOSECONDS.toSeconds(connections.withoutConnectionNanos(now)) + " s";
        }
        else if (trouble != null && now - troubleSinceNanos >= limitNanos)
        {
            found = trouble;
        }
        if (found != null && problem == null)
        {
            LOG.warn("kafka-source {}: {}", sourceName, found);
        }
        else if (found == null && problem != null)
        {
            LOG.info("kafka-source {}: healthy again", sourceName);
        }
        problem = found;
    }
}
