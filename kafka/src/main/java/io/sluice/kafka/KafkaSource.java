package io.sluice.kafka;

import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.util.EpochClock;
import io.sluice.core.util.RateLimitedLogger;
import io.sluice.server.bridge.Bridge;
import io.sluice.server.bridge.BridgeConfig;
import io.sluice.server.bridge.BridgeContext;
import io.sluice.server.bridge.BridgeSnapshot;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A {@code kafka-source} bridge: the records of Kafka topics become messages of a relay stream.
 * <p>
 * A Kafka consumer in a group polls on the source's own thread and the source publishes each record through the
 * client library's {@link Publication}, over loopback, like any publisher. When {@code offer} answers
 * {@link Publication#BACK_PRESSURED} (the stream's lanes are full, so the relay stopped reading the source), the
 * source keeps the records it has not offered, pauses every assigned partition and goes on polling, so the group
 * does not rebalance; it resumes the partitions once everything held is offered. It also pauses while the stream has
 * no subscriber (the relay keeps nothing for such a stream), unless told not to.
 * <p>
 * Offsets are committed only for what the relay acknowledged: the publication numbers its messages 0, 1, 2, ... and
 * the relay's cumulative ACK names the highest one it took into every lane of the stream; an {@link OffsetTracker}
 * maps sequences back to offsets. What the relay did not acknowledge is read again after a restart or a rebalance:
 * delivery into the stream is at least once.
 */
public final class KafkaSource implements Bridge
{
    /** The bridge type, as the relay config names it. */
    public static final String TYPE = "kafka-source";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);
    private static final int PAUSE_BACK_PRESSURED = 1;
    private static final int PAUSE_NO_SUBSCRIBER = 2;
    private static final Duration POLL_IDLE = Duration.ofMillis(100);
    private static final Duration POLL_HELD = Duration.ofMillis(5);
    private static final long SUBSCRIBER_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long STATS_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final byte[] EMPTY = new byte[0];

    private final BridgeConfig config;
    private final KafkaSourceSettings settings;
    private final BridgeContext context;
    private final Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers;
    private final Thread thread;
    private final BridgeCounters failed = new BridgeCounters();
    private final BridgeCounters events = new BridgeCounters();
    private final RateLimitedLogger warnings = new RateLimitedLogger(LOG, 10);

    private volatile long offered;
    private volatile long acknowledged;
    private volatile int pausedPartitions;
    private volatile long lag = -1;
    private volatile String problem;
    private volatile boolean stopping;
    private volatile long stopDeadlineNanos;
    private volatile int assignments;
    private volatile int revocations;

    // Source thread only.
    private SluiceClient client;
    private Publication publication;
    private Consumer<byte[], byte[]> consumer;
    private KafkaConnections connections;
    private final OffsetTracker tracker = new OffsetTracker();
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> held = new ArrayDeque<>();
    private final UnsafeBuffer payload = new UnsafeBuffer(EMPTY);
    private final Set<TopicPartition> assigned = new HashSet<>();
    private long nextSequence;
    private long publishedAcked = -1;
    private int pauseReasons;
    private long lastCommitNanos;
    private long nextSubscriberCheckNanos;
    private long nextStatsNanos;
    private long nextConnectNanos;
    private String trouble;
    private long troubleSinceNanos;

    /**
     * @param config the bridge's entry in the relay config.
     * @param context what the relay gives its bridges.
     */
    public KafkaSource(final BridgeConfig config, final BridgeContext context)
    {
        this(config, context, KafkaConsumer::new);
    }

    /**
     * @param config the bridge's entry in the relay config.
     * @param context what the relay gives its bridges.
     * @param consumers makes the Kafka consumer from its properties (tests substitute their own).
     */
    KafkaSource(final BridgeConfig config, final BridgeContext context,
        final Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers)
    {
        this.config = config;
        this.settings = KafkaSourceSettings.of(config);
        this.context = context;
        this.consumers = consumers;
        this.thread = new Thread(this::run, "sluice-bridge-" + config.name());
        this.thread.setDaemon(true);
    }

    @Override
    public String name()
    {
        return config.name();
    }

    /** @return the source's settings. */
    public KafkaSourceSettings settings()
    {
        return settings;
    }

    /** @return how often the group assigned partitions to the source (1 once it joined, more after rebalances). */
    public int assignments()
    {
        return assignments;
    }

    /** @return how often partitions were taken from the source (revoked or lost): 0 unless the group rebalanced. */
    public int revocations()
    {
        return revocations;
    }

    /**
     * Opens the publication to the stream and starts the source's thread, which makes the consumer and joins the
     * group.
     */
    @Override
    public void start()
    {
        // Any record the relay can take: the publication's ring holds eight of the largest.
        client = new SluiceClient(KafkaSettings.relayClient(context,
            context.maxFrameLength() - FrameDescriptor.HEADER_LENGTH));
        try
        {
            publication = client.publish(config.stream());
        }
        catch (final SluiceException ex)
        {
            client.close();
            throw new IllegalStateException("kafka-source " + name() + " cannot publish to stream '" + config.stream()
                + "': " + ex.getMessage(), ex);
        }
        thread.start();
    }

    /**
     * Stops taking records, waits (up to {@code grace}) for the relay to acknowledge what was offered, commits, and
     * leaves the group.
     */
    @Override
    public void relayStopping(final Duration grace)
    {
        stop(grace);
    }

    @Override
    public void close(final Duration grace)
    {
        stop(grace);
        if (!thread.isAlive() && client != null)
        {
            client.close();
        }
    }

    private void stop(final Duration grace)
    {
        if (!stopping)
        {
            stopDeadlineNanos = System.nanoTime() + grace.toNanos();
            // The thread sees it within one poll (at most 100 ms).
            stopping = true;
        }
        try
        {
            thread.join(grace.toMillis() + 10_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive())
        {
            LOG.warn("kafka-source {}: its thread did not stop", name());
        }
    }

    @Override
    public BridgeSnapshot snapshot()
    {
        final long sent = offered;
        final long acked = acknowledged;
        return new BridgeSnapshot(name(), TYPE, config.stream(), "topics " + String.join(",", settings.topics()),
            problem == null, problem, sent - acked, sent, acked, failed.snapshot(), 0, pausedPartitions, lag,
            events.snapshot());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The source's thread.

    private void run()
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
                final ConsumerRecords<byte[], byte[]> records = consumer.poll(held.isEmpty() ? POLL_IDLE : POLL_HELD);
                for (final ConsumerRecord<byte[], byte[]> record : records)
                {
                    held.add(record);
                }
                offerHeld();
                settle(System.nanoTime());
                if (now - nextStatsNanos >= 0)
                {
                    stats(now);
                    nextStatsNanos = now + STATS_NANOS;
                }
            }
            finish();
        }
        catch (final RuntimeException | Error ex)
        {
            LOG.error("kafka-source {} stopped on an unexpected error", name(), ex);
            problem = "stopped on an unexpected error: " + ex;
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
                LOG.warn("kafka-source {}: closing the consumer", name(), ex);
            }
            consumer = null;
            connections = null;
            assigned.clear();
            pauseReasons = 0;
            pausedPartitions = 0;
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
            consumer.subscribe(settings.topics(), new Rebalances());
            trouble = null;
            return true;
        }
        catch (final RuntimeException ex)
        {
            trouble(now, "cannot make the Kafka consumer: " + ex.getMessage());
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
                + "acknowledged", name(), config.stream(), publication.closeReason());
            settle(now);
            commit(true);
            publication.close();
            publication = null;
            events.increment("republish");
            // What was offered and not acknowledged went with the connection: a new consumer resumes from the
            // committed offsets.
            closeConsumer();
            held.clear();
            tracker.forgetUnacknowledged();
            offered = acknowledged;
            return false;
        }
        if (now - nextConnectNanos < 0)
        {
            return false;
        }
        try
        {
            publication = client.publish(config.stream());
            nextSequence = 0;
            publishedAcked = -1;
            trouble = null;
            return true;
        }
        catch (final SluiceException ex)
        {
            trouble(now, "cannot publish to stream '" + config.stream() + "': " + ex.getMessage());
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
        setPaused(PAUSE_NO_SUBSCRIBER, context.subscribers(config.stream()) == 0);
    }

    // Offers held records in order until the relay pushes back; pauses the partitions while any are held.
    private void offerHeld()
    {
        ConsumerRecord<byte[], byte[]> record;
        while ((record = held.peek()) != null && (pauseReasons & PAUSE_NO_SUBSCRIBER) == 0)
        {
            final byte[] value = record.value() == null ? EMPTY : record.value();
            payload.wrap(value);
            final int flags = settings.keyed() && value.length >= FrameDescriptor.KEY_LENGTH
                ? FrameDescriptor.FLAG_KEYED : 0;
            final long timestamp = settings.recordTimestamp() && record.timestamp() >= 0
                ? TimeUnit.MILLISECONDS.toNanos(record.timestamp()) : EpochClock.nanos();
            final long result = publication.offer(payload, 0, value.length, flags, timestamp);
            if (result >= 0)
            {
                tracker.offered(nextSequence++, partitionOf(record), record.offset());
                offered++;
                held.poll();
            }
            else if (result == Publication.MESSAGE_TOO_LARGE)
            {
                // It can never be published; skip it (counted), and do not hold the partition's later records back.
                failed.increment("too-large-for-relay");
                warnings.warn("kafka-source {}: record {} of {}-{} has {} bytes, more than the relay takes; skipped",
                    name(), record.offset(), record.topic(), record.partition(), value.length);
                // Settled with the message before it: committable once that one is acknowledged.
                tracker.offered(nextSequence - 1, partitionOf(record), record.offset());
                held.poll();
            }
            else
            {
                break;
            }
        }
        setPaused(PAUSE_BACK_PRESSURED, !held.isEmpty());
    }

    private static TopicPartition partitionOf(final ConsumerRecord<byte[], byte[]> record)
    {
        return new TopicPartition(record.topic(), record.partition());
    }

    private void setPaused(final int reason, final boolean paused)
    {
        final int before = pauseReasons;
        pauseReasons = paused ? before | reason : before & ~reason;
        if ((before == 0) != (pauseReasons == 0) && !assigned.isEmpty())
        {
            if (pauseReasons != 0)
            {
                consumer.pause(assigned);
                events.increment("pause");
            }
            else
            {
                consumer.resume(assigned);
                events.increment("resume");
            }
        }
        pausedPartitions = pauseReasons == 0 ? 0 : assigned.size();
    }

    // What the relay acknowledged becomes committable; commit it now and then.
    private void settle(final long now)
    {
        final long acked = publication == null ? publishedAcked : publication.ackedSequence();
        if (acked > publishedAcked)
        {
            acknowledged += acked - publishedAcked;
            publishedAcked = acked;
            tracker.acknowledged(acked);
        }
        if (now - lastCommitNanos >= TimeUnit.MILLISECONDS.toNanos(settings.commitIntervalMs()))
        {
            commit(false);
            lastCommitNanos = now;
        }
    }

    private void commit(final boolean sync)
    {
        final Map<TopicPartition, Long> offsets = tracker.takeCommittable();
        if (offsets == null || offsets.isEmpty())
        {
            return;
        }
        final Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        offsets.forEach((partition, offset) ->
        {
            if (assigned.contains(partition))
            {
                commit.put(partition, new OffsetAndMetadata(offset));
            }
        });
        if (commit.isEmpty())
        {
            return;
        }
        if (sync)
        {
            try
            {
                consumer.commitSync(commit, Duration.ofSeconds(5));
            }
            catch (final RuntimeException ex)
            {
                events.increment("commit-failed");
                LOG.warn("kafka-source {}: committing offsets failed: {}", name(), ex.toString());
            }
            return;
        }
        consumer.commitAsync(commit, (done, error) ->
        {
            if (error != null)
            {
                events.increment("commit-failed");
                warnings.warn("kafka-source {}: committing offsets failed (the next commit retries): {}", name(),
                    error.toString());
            }
        });
    }

    private void stats(final long now)
    {
        long sum = held.size();
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
        final long limit = TimeUnit.MILLISECONDS.toNanos(settings.unreachableAfterMs());
        String found = null;
        if (connections != null && connections.withoutConnectionNanos(now) >= limit)
        {
            found = "Kafka unreachable at " + settings.consumer().get("bootstrap.servers")
                + ": no broker connection for "
                + TimeUnit.NANOSECONDS.toSeconds(connections.withoutConnectionNanos(now)) + " s";
        }
        else if (trouble != null && now - troubleSinceNanos >= limit)
        {
            found = trouble;
        }
        if (found != null && problem == null)
        {
            LOG.warn("kafka-source {}: {}", name(), found);
        }
        else if (found == null && problem != null)
        {
            LOG.info("kafka-source {}: healthy again", name());
        }
        problem = found;
    }

    private void trouble(final long now, final String what)
    {
        if (trouble == null)
        {
            troubleSinceNanos = now;
        }
        trouble = what;
        if (problem == null && now - troubleSinceNanos >= TimeUnit.MILLISECONDS.toNanos(settings.unreachableAfterMs()))
        {
            problem = what;
        }
    }

    // Stopping: take nothing more, let the relay acknowledge what was offered, commit that, leave the group.
    private void finish()
    {
        if (consumer == null)
        {
            return;
        }
        if (!assigned.isEmpty())
        {
            consumer.pause(assigned);
        }
        while (publication != null && publication.isConnected() && !tracker.allAcknowledged()
            && System.nanoTime() - stopDeadlineNanos < 0)
        {
            settle(System.nanoTime());
            sleep(Duration.ofMillis(1));
        }
        settle(System.nanoTime());
        commit(true);
        final long unacknowledged = offered - acknowledged;
        if (unacknowledged > 0 || !held.isEmpty())
        {
            LOG.info("kafka-source {}: stopped with {} records not acknowledged by the relay and {} not offered; they "
                + "are read again next time", name(), unacknowledged, held.size());
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
            assigned.addAll(partitions);
            if (pauseReasons != 0 && !partitions.isEmpty())
            {
                consumer.pause(partitions);
            }
            pausedPartitions = pauseReasons == 0 ? 0 : assigned.size();
            LOG.info("kafka-source {}: assigned {}", name(), partitions);
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
                commit(true);
            }
            assigned.removeAll(partitions);
            held.removeIf(r -> partitions.contains(partitionOf(r)));
            for (final TopicPartition partition : partitions)
            {
                tracker.forget(partition);
            }
            pausedPartitions = pauseReasons == 0 ? 0 : assigned.size();
        }
    }
}
