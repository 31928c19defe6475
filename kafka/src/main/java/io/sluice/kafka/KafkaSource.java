package io.sluice.kafka;

import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.server.bridge.Bridge;
import io.sluice.server.bridge.BridgeConfig;
import io.sluice.server.bridge.BridgeContext;
import io.sluice.server.bridge.BridgeSnapshot;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
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

    private final BridgeConfig config;
    private final KafkaSourceSettings settings;
    private final BridgeContext context;
    private final BridgeCounters failed = new BridgeCounters();
    private final BridgeCounters events = new BridgeCounters();
    private final SourcePublisher publisher;
    private final PartitionPauser pauser;
    private final OffsetCommitter committer;
    private final SourceHealth health;
    private final SourcePollLoop loop;
    private final Thread thread;

    private SluiceClient client;

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
        final OffsetTracker tracker = new OffsetTracker();
        this.publisher = new SourcePublisher(config.name(), settings, tracker, failed);
        this.pauser = new PartitionPauser(events);
        this.committer = new OffsetCommitter(config.name(), tracker, pauser.assigned(), events,
            settings.commitIntervalMs());
        this.health = new SourceHealth(config.name(), settings);
        this.loop = new SourcePollLoop(config.name(), config.stream(), settings, context, consumers, tracker, publisher,
            pauser, committer, health, events);
        this.thread = new Thread(loop, "sluice-bridge-" + config.name());
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
        return loop.assignments();
    }

    /** @return how often partitions were taken from the source (revoked or lost): 0 unless the group rebalanced. */
    public int revocations()
    {
        return loop.revocations();
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
            final Publication publication = client.publish(config.stream());
            loop.start(client, publication);
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
        loop.stop(grace);
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
        final long sent = publisher.offered();
        final long acked = committer.acknowledged();
        return new BridgeSnapshot(name(), TYPE, config.stream(), "topics " + String.join(",", settings.topics()),
            health.problem() == null, health.problem(), sent - acked, sent, acked, failed.snapshot(), 0,
            pauser.pausedPartitions(), health.lag(), events.snapshot());
    }
}
