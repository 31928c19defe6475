package io.sluice.kafka;

import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.server.bridge.BridgeContext;
import org.agrona.DirectBuffer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A source's own thread: makes the consumer and joins the group, keeps a publication to the stream, and polls,
 * handing what it polls to the {@link SourcePublisher}, pausing and resuming through the {@link PartitionPauser},
 * committing through the {@link OffsetCommitter}; when stopping, lets the relay acknowledge what was offered, commits
 * it and leaves the group. Consumer and publication are made again (after a second) when they fail or are lost.
 * <p>
 * {@code poll} and {@code offer} run here, never on a Netty event loop.
 */
final class SourcePollLoop implements Runnable
{
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);
    private static final Duration POLL_IDLE = Duration.ofMillis(100);
    private static final Duration POLL_HELD = Duration.ofMillis(5);
    private static final long SUBSCRIBER_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long STATS_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final String sourceName;
    private final String stream;
    private final KafkaSourceSettings settings;
    private final BridgeContext context;
    private final Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers;
    private final OffsetTracker tracker;
    private final SourcePublisher publisher;
    private final PartitionPauser pauser;
    private final OffsetCommitter committer;
    private final SourceHealth health;
    private final BridgeCounters events;
    private final SourcePublisher.Relay toRelay = this::offer;
    private final ConsumerRebalanceListener rebalances = new Rebalances();

    private volatile boolean stopping;
    private volatile long stopDeadlineNanos;
    private volatile int assignments;
    private volatile int revocations;

    private SluiceClient client;
    private Publication publication;
    private Consumer<byte[], byte[]> consumer;
    private KafkaConnections connections;
    private long nextSubscriberCheckNanos;
    private long nextStatsNanos;
    private long nextConnectNanos;

    /**
     * @param sourceName the source's name.
     * @param stream the stream it publishes to.
     * @param settings its settings.
     * @param context what the relay gives its bridges: the stream's subscriber count.
     * @param consumers makes the Kafka consumer from its properties.
     * @param tracker maps sequences to offsets, shared by the publisher and the committer.
     * @param publisher offers the records polled.
     * @param pauser pauses the partitions.
     * @param committer commits what the relay acknowledged.
     * @param health hears of trouble, measures lag.
     * @param events counts rebalances and lost publications ({@code rebalance}, {@code republish}).
     */
    SourcePollLoop(final String sourceName, final String stream, final KafkaSourceSettings settings,
        final BridgeContext context, final Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers,
        final OffsetTracker tracker, final SourcePublisher publisher, final PartitionPauser pauser,
        final OffsetCommitter committer, final SourceHealth health, final BridgeCounters events)
    {
        this.sourceName = sourceName;
        this.stream = stream;
        this.settings = settings;
        this.context = context;
        this.consumers = consumers;
        this.tracker = tracker;
        this.publisher = publisher;
        this.pauser = pauser;
        this.committer = committer;
        this.health = health;
        this.events = events;
    }

    /**
     * Before the thread starts.
     *
     * @param client the source's client of the relay.
     * @param publication its publication to the stream.
     */
    void start(final SluiceClient client, final Publication publication)
    {
        this.client = client;
        this.publication = publication;
    }

    /**
     * Asks the thread to stop (it sees it within one poll, at most 100 ms), giving the relay until {@code grace} is
     * over to acknowledge what was offered. Only the first call counts.
     *
     * @param grace how long the relay has.
     */
    void stop(final Duration grace)
    {
        if (!stopping)
        {
            stopDeadlineNanos = System.nanoTime() + grace.toNanos();
            stopping = true;
        }
    }

    /** @return how often the group assigned partitions to the source. */
    int assignments()
    {
        return assignments;
    }

    /** @return how often partitions were taken from the source (revoked or lost). */
    int revocations()
    {
        return revocations;
    }

    @Override
    public void run()
    {
        try
        {
            while (!stopping)
            {
                final long now = System.nanoTime();
                if (!ensureConsumer(now) || !ensurePublication(now))
                {
                    sleep(POLL_IDLE);
                    continue;
                }
                checkSubscribers(now);
                offerHeld();
                publisher.hold(consumer.poll(publisher.holds() ? POLL_HELD : POLL_IDLE));
                offerHeld();
                settle(System.nanoTime());
                if (now - nextStatsNanos >= 0)
                {
                    health.check(now, consumer, pauser.assigned(), publisher.held(), connections);
                    nextStatsNanos = now + STATS_NANOS;
                }
            }
            finish();
        }
        catch (final RuntimeException | Error ex)
        {
            LOG.error("kafka-source {} stopped on an unexpected error", sourceName, ex);
            health.stopped("stopped on an unexpected error: " + ex);
        }
        finally
        {
            closeConsumer();
            if (publication != null)
            {
                publication.close();
            }
        }
    }

    private void closeConsumer()
    {
        if (consumer != null)
        {
            try
            {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("kafka-source {}: closing the consumer", sourceName, ex);
            }
            consumer = null;
            connections = null;
            pauser.reset();
        }
    }

    private boolean ensureConsumer(final long now)
    {
        if (consumer != null)
        {
            return true;
        }
        if (now - nextConnectNanos < 0)
        {
            return false;
        }
        try
        {
            consumer = consumers.apply(settings.consumer());
            connections = new KafkaConnections(consumer::metrics, "consumer-metrics", now);
            consumer.subscribe(settings.topics(), rebalances);
            health.clearTrouble();
            return true;
        }
        catch (final RuntimeException ex)
        {
            health.trouble(now, "cannot make the Kafka consumer: " + ex.getMessage());
            nextConnectNanos = now + TimeUnit.SECONDS.toNanos(1);
            return false;
        }
    }

    // A publication lost (the relay closed it) takes its sequences with it: read again from what was acknowledged.
    private boolean ensurePublication(final long now)
    {
        if (publication != null && publication.isConnected())
        {
            return true;
        }
        if (publication != null)
        {
            LOG.warn("kafka-source {}: publication to stream '{}' lost: {}; reading again from the offsets the relay "
                + "acknowledged", sourceName, stream, publication.closeReason());
            settle(now);
            committer.commit(consumer, true);
            publication.close();
            publication = null;
            events.increment("republish");
            // What was offered and not acknowledged went with the connection: a new consumer resumes from the
            // committed offsets.
            closeConsumer();
            publisher.lost(committer.acknowledged());
            tracker.forgetUnacknowledged();
            return false;
        }
        if (now - nextConnectNanos < 0)
        {
            return false;
        }
        try
        {
            publication = client.publish(stream);
            publisher.newPublication();
            committer.newPublication();
            health.clearTrouble();
            return true;
        }
        catch (final SluiceException ex)
        {
            health.trouble(now, "cannot publish to stream '" + stream + "': " + ex.getMessage());
            nextConnectNanos = now + TimeUnit.SECONDS.toNanos(1);
            return false;
        }
    }

    private void checkSubscribers(final long now)
    {
        if (!settings.waitForSubscriber() || now - nextSubscriberCheckNanos < 0)
        {
            return;
        }
        nextSubscriberCheckNanos = now + SUBSCRIBER_CHECK_NANOS;
        pauser.set(consumer, PartitionPauser.Reason.NO_SUBSCRIBER, context.subscribers(stream) == 0);
    }

    // Offers held records in order until the relay pushes back; pauses the partitions while any are held.
    private void offerHeld()
    {
        if (!pauser.isPaused(PartitionPauser.Reason.NO_SUBSCRIBER))
        {
            publisher.offerHeld(toRelay);
        }
        pauser.set(consumer, PartitionPauser.Reason.BACK_PRESSURED, publisher.holds());
    }

    private long offer(final DirectBuffer buffer, final int offset, final int length, final int flags,
        final long timestampNanos)
    {
        return publication.offer(buffer, offset, length, flags, timestampNanos);
    }

    // What the relay acknowledged becomes committable; commit it now and then.
    private void settle(final long now)
    {
        committer.settle(consumer, now,
            publication == null ? OffsetCommitter.NO_PUBLICATION : publication.ackedSequence());
    }

    // Stopping: take nothing more, let the relay acknowledge what was offered, commit that, leave the group.
    private void finish()
    {
        if (consumer == null)
        {
            return;
        }
        pauser.pauseAll(consumer);
        while (publication != null && publication.isConnected() && !tracker.allAcknowledged()
            && System.nanoTime() - stopDeadlineNanos < 0)
        {
            settle(System.nanoTime());
            sleep(Duration.ofMillis(1));
        }
        settle(System.nanoTime());
        committer.commit(consumer, true);
        final long unacknowledged = publisher.offered() - committer.acknowledged();
        if (unacknowledged > 0 || publisher.holds())
        {
            LOG.info("kafka-source {}: stopped with {} records not acknowledged by the relay and {} not offered; they "
                + "are read again next time", sourceName, unacknowledged, publisher.held());
        }
    }

    private static void sleep(final Duration d)
    {
        try
        {
            Thread.sleep(d.toMillis());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs inside {@code poll} on the source's thread. */
    private final class Rebalances implements ConsumerRebalanceListener
    {
        @Override
        public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
        {
            // Commit what the relay acknowledged; what it did not is read again by the partitions' next owner.
            leave(partitions, true);
        }

        @Override
        public void onPartitionsLost(final Collection<TopicPartition> partitions)
        {
            // Another member owns them already: committing is not ours to do.
            leave(partitions, false);
        }

        @Override
        public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
        {
            assignments++;
            pauser.assign(consumer, partitions);
            LOG.info("kafka-source {}: assigned {}", sourceName, partitions);
        }

        private void leave(final Collection<TopicPartition> partitions, final boolean commit)
        {
            if (partitions.isEmpty())
            {
                return;
            }
            revocations++;
            events.increment("rebalance");
            if (commit)
            {
                settle(System.nanoTime());
                committer.commit(consumer, true);
            }
            pauser.leave(partitions);
            publisher.forget(partitions);
            for (final TopicPartition partition : partitions)
            {
                tracker.forget(partition);
            }
        }
    }
}
