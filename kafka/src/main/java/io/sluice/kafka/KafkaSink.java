package io.sluice.kafka;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.client.ClientConfig;
import io.sluice.client.MessageHandler;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Header;
import io.sluice.core.util.RateLimitedLogger;
import io.sluice.server.bridge.Bridge;
import io.sluice.server.bridge.BridgeConfig;
import io.sluice.server.bridge.BridgeContext;
import io.sluice.server.bridge.BridgeSnapshot;
import io.sluice.spill.deadletter.DeadLetterDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * A {@code kafka-sink} bridge: every message of a relay stream becomes a record of a Kafka topic.
 * <p>
 * The sink is a subscriber of its stream like any other: it subscribes to the relay over loopback with the client
 * library, under a durable subscription name, so it has a lane of its own and the stream's strategy applies to it.
 * Its own thread polls the subscription and hands each message to {@link KafkaProducer#send}; it keeps at most
 * {@code max-in-flight} records (and {@code max-in-flight-bytes}) sent and not yet confirmed, in an
 * {@link InFlightWindow}. When the window is full it stops polling, the subscription's ring fills, the client stops
 * reading its socket and the relay's lane is where messages wait: under {@code throttle} the stream's producers slow
 * down, under {@code spill} the lane's backlog goes to disk, under a drop policy the lane drops (counted and
 * dead-lettered by the relay). The producer never blocks the sink for long ({@code max.block.ms} is small, and the
 * window stays below {@code buffer.memory}).
 * <p>
 * A record counts as confirmed only in its send callback. A record Kafka refuses for good (too large, not
 * authorized, invalid topic) or does not confirm within {@code delivery.timeout.ms} (by default the producer retries
 * until Kafka is back) goes to the relay's dead-letter store with its reason and is counted; so are the records the
 * sink still held when it had to stop. Records before the window's head are settled: the head is the lane position a
 * sink acknowledges once the relay has acknowledged delivery.
 */
public final class KafkaSink implements Bridge
{
    /** The bridge type, as the relay config names it. */
    public static final String TYPE = "kafka-sink";
    /** Record header: the message's source id, 4 bytes big-endian. */
    public static final String HEADER_SOURCE = "sluice.source";
    /** Record header: the message's sequence from its source, 8 bytes big-endian. */
    public static final String HEADER_SEQUENCE = "sluice.sequence";
    /** Record header: the publisher's timestamp, epoch nanoseconds, 8 bytes big-endian. */
    public static final String HEADER_TIMESTAMP = "sluice.timestamp";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);
    private static final int POLL_BATCH = 256;
    private static final int RECEIVE_BUFFER_BYTES = 256 * 1024;
    private static final long HEALTH_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long PARTITIONS_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long RETRY_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long RETRY_MAX_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final BridgeConfig config;
    private final KafkaSinkSettings settings;
    private final BridgeContext context;
    private final Function<Map<String, Object>, Producer<byte[], byte[]>> producers;
    private final InFlightWindow window;
    private final ArrayDeque<Delivery> unsent = new ArrayDeque<>();
    private final BridgeCounters failed = new BridgeCounters();
    private final BridgeCounters events = new BridgeCounters();
    private final RateLimitedLogger warnings = new RateLimitedLogger(LOG, 10);
    private final MessageHandler onMessage = new Taker();
    /** Holds a message taken while closing, after the deadline: it is abandoned at once, never sent. */
    private final Delivery abandoned = new Delivery();
    private final Thread thread;

    private volatile long taken;
    private volatile long confirmed;
    private volatile long deadLettered;
    private volatile String problem;
    private volatile boolean closing;
    private volatile boolean relayStopping;
    private volatile long closeDeadlineNanos;

    // Sink thread only.
    private SluiceClient client;
    private Subscription subscription;
    private Producer<byte[], byte[]> producer;
    private KafkaConnections connections;
    private boolean forcedClose;
    private boolean abandonTaken;
    private int partitions;
    private long partitionsCheckedNanos;
    private long retryAtNanos;
    private long retryDelayNanos = RETRY_MIN_NANOS;
    private long troubleSinceNanos;
    private String trouble;
    private long lastSettledNanos = System.nanoTime();
    private long nextHealthCheckNanos;
    private long nextSubscribeNanos;

    /**
     * @param config the bridge's entry in the relay config.
     * @param context what the relay gives its bridges.
     */
    public KafkaSink(final BridgeConfig config, final BridgeContext context)
    {
        this(config, context, KafkaProducer::new);
    }

    /**
     * @param config the bridge's entry in the relay config.
     * @param context what the relay gives its bridges.
     * @param producers makes the Kafka producer from its properties (tests substitute their own).
     */
    KafkaSink(final BridgeConfig config, final BridgeContext context,
        final Function<Map<String, Object>, Producer<byte[], byte[]>> producers)
    {
        this.config = config;
        this.settings = KafkaSinkSettings.of(config);
        this.context = context;
        this.producers = producers;
        this.window = new InFlightWindow(settings.maxInFlight());
        this.thread = new Thread(this::run, "sluice-bridge-" + config.name());
        this.thread.setDaemon(true);
    }

    @Override
    public String name()
    {
        return config.name();
    }

    /** @return the sink's settings. */
    public KafkaSinkSettings settings()
    {
        return settings;
    }

    /**
     * Subscribes to the stream (so the sink's lane exists before the relay announces itself ready) and starts the
     * sink's thread, which makes the producer and connects to Kafka.
     */
    @Override
    public void start()
    {
        // A modest ring and socket buffer: what the sink cannot take yet should wait in its lane, where the stream's
        // strategy applies and the relay's metrics see it. A subscription takes any frame the relay sends (one longer
        // than a ring record waits aside), so the ring need not hold eight of the largest.
        client = new SluiceClient(KafkaSettings.relayClient(context, ClientConfig.DEFAULT_MAX_MESSAGE_LENGTH)
            .withReceiveBufferBytes(RECEIVE_BUFFER_BYTES));
        try
        {
            subscription = client.subscribe(config.stream(), settings.subscription());
        }
        catch (final SluiceException ex)
        {
            client.close();
            throw new IllegalStateException("kafka-sink " + name() + " cannot subscribe to stream '" + config.stream()
                + "': " + ex.getMessage(), ex);
        }
        thread.start();
    }

    /**
     * Keeps taking what the relay sends (it drains the sink's lane during its graceful stop), but does not subscribe
     * again once the relay closes the subscription.
     */
    @Override
    public void relayStopping(final Duration grace)
    {
        relayStopping = true;
    }

    @Override
    public void close(final Duration grace)
    {
        if (!closing)
        {
            closeDeadlineNanos = System.nanoTime() + grace.toNanos();
            closing = true;
        }
        LockSupport.unpark(thread);
        if (thread.isAlive())
        {
            try
            {
                thread.join(grace.toMillis() + 10_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        if (thread.isAlive())
        {
            LOG.warn("kafka-sink {}: its thread did not stop", name());
        }
        else if (client != null)
        {
            client.close();
        }
    }

    @Override
    public BridgeSnapshot snapshot()
    {
        final long inFlight = window.inFlight();
        return new BridgeSnapshot(name(), TYPE, config.stream(), "topic " + settings.topic(), problem == null, problem,
            inFlight, taken, confirmed, failed.snapshot(), deadLettered, 0, -1, events.snapshot());
    }

    /** @return the lane position up to which every record taken is confirmed by Kafka or failed for good. */
    public long settledPosition()
    {
        return window.settledPosition();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The sink's thread.

    private void run()
    {
        final IdleStrategy idle = new BackoffIdleStrategy(10, 10, TimeUnit.MICROSECONDS.toNanos(1),
            TimeUnit.MILLISECONDS.toNanos(1));
        try
        {
            while (true)
            {
                final long now = System.nanoTime();
                int work = settle();
                if (closing && finishedClosing(now))
                {
                    break;
                }
                work += sendUnsent(now);
                work += take(now);
                if (now - nextHealthCheckNanos >= 0)
                {
                    checkHealth(now);
                    nextHealthCheckNanos = now + HEALTH_CHECK_NANOS;
                }
                idle.idle(work);
            }
        }
        catch (final RuntimeException | Error ex)
        {
            LOG.error("kafka-sink {} stopped on an unexpected error", name(), ex);
            problem = "stopped on an unexpected error: " + ex;
        }
        finally
        {
            shutDown();
        }
    }

    // Retires what Kafka settled, in the order taken.
    private int settle()
    {
        int n = 0;
        Delivery d;
        while ((d = window.settledHead()) != null)
        {
            final Exception error = d.error();
            if (error == null)
            {
                confirmed++;
            }
            else
            {
                failedForGood(d, error);
            }
            window.retire();
            n++;
        }
        if (n > 0)
        {
            lastSettledNanos = System.nanoTime();
        }
        return n;
    }

    private int take(final long now)
    {
        if (subscription == null || !unsent.isEmpty() || !ensureProducer(now) || !ensurePartitions(now))
        {
            resubscribeIfLost(now);
            return 0;
        }
        final int room = Math.min(window.room(), POLL_BATCH);
        if (room == 0 || window.inFlightBytes() >= settings.maxInFlightBytes())
        {
            return 0;
        }
        final int n = subscription.poll(onMessage, room);
        if (n == 0)
        {
            resubscribeIfLost(now);
        }
        return n;
    }

    private boolean ensureProducer(final long now)
    {
        if (producer != null)
        {
            return true;
        }
        if (now - retryAtNanos < 0)
        {
            return false;
        }
        try
        {
            producer = producers.apply(settings.producer());
            connections = new KafkaConnections(producer::metrics, "producer-metrics", now);
            clearTrouble();
            return true;
        }
        catch (final RuntimeException ex)
        {
            trouble(now, "cannot make the Kafka producer: " + ex.getMessage());
            backOff(now);
            return false;
        }
    }

    // Partitioning by source needs the topic's partition count, from the producer's metadata.
    private boolean ensurePartitions(final long now)
    {
        if (KafkaSinkSettings.BY_KAFKA.equals(settings.partitionBy())
            || (partitions > 0 && now - partitionsCheckedNanos < PARTITIONS_REFRESH_NANOS))
        {
            return true;
        }
        if (partitions == 0 && now - retryAtNanos < 0)
        {
            return false;
        }
        try
        {
            partitions = producer.partitionsFor(settings.topic()).size();
            partitionsCheckedNanos = now;
            clearTrouble();
            return partitions > 0;
        }
        catch (final RuntimeException ex)
        {
            if (partitions > 0)
            {
                partitionsCheckedNanos = now;
                return true;
            }
            trouble(now, "cannot learn the partitions of topic " + settings.topic() + ": " + ex.getMessage());
            backOff(now);
            return false;
        }
    }

    // Records that failed at once with a retriable error wait here, in order, until Kafka takes them.
    private int sendUnsent(final long now)
    {
        if (unsent.isEmpty() || now - retryAtNanos < 0)
        {
            return 0;
        }
        int n = 0;
        Delivery d;
        while ((d = unsent.peek()) != null)
        {
            if (!send(d))
            {
                backOff(now);
                return n;
            }
            unsent.poll();
            n++;
        }
        retryDelayNanos = RETRY_MIN_NANOS;
        clearTrouble();
        return n;
    }

    /**
     * @return true when the record is queued in the producer or settled as failed; false when it must be retried.
     */
    private boolean send(final Delivery d)
    {
        final ProducerRecord<byte[], byte[]> record = record(d);
        Exception immediate;
        d.sending(thread);
        try
        {
            producer.send(record, d);
            immediate = d.sent();
        }
        catch (final RuntimeException ex)
        {
            d.sent();
            immediate = ex;
        }
        if (immediate == null)
        {
            return true;
        }
        if (immediate instanceof RetriableException)
        {
            events.increment("send-retry");
            trouble(System.nanoTime(), "cannot send to Kafka: " + immediate.getMessage());
            return false;
        }
        d.fail(immediate);
        return true;
    }

    private ProducerRecord<byte[], byte[]> record(final Delivery d)
    {
        final boolean keyed = (d.flags & FrameDescriptor.FLAG_KEYED) != 0
            && d.payload.length >= FrameDescriptor.KEY_LENGTH;
        final byte[] key = keyed && settings.keyFromMessage()
            ? java.util.Arrays.copyOf(d.payload, FrameDescriptor.KEY_LENGTH) : null;
        final Integer partition = switch (settings.partitionBy())
        {
            case KafkaSinkSettings.BY_KAFKA -> null;
            case KafkaSinkSettings.BY_KEY -> key != null ? null : Math.floorMod(d.sourceId, partitions);
            default -> Math.floorMod(d.sourceId, partitions);
        };
        final RecordHeaders headers = settings.headers() ? new RecordHeaders(new RecordHeader[] {
            new RecordHeader(HEADER_SOURCE, bigEndian(d.sourceId, 4)),
            new RecordHeader(HEADER_SEQUENCE, bigEndian(d.sequence, 8)),
            new RecordHeader(HEADER_TIMESTAMP, bigEndian(d.timestampNanos, 8))}) : null;
        return new ProducerRecord<>(settings.topic(), partition, d.timestampNanos / 1_000_000, key, d.payload, headers);
    }

    private static byte[] bigEndian(final long value, final int bytes)
    {
        final byte[] out = new byte[bytes];
        for (int i = 0; i < bytes; i++)
        {
            out[i] = (byte)(value >>> (8 * (bytes - 1 - i)));
        }
        return out;
    }

    private void failedForGood(final Delivery d, final Exception error)
    {
        // A forced close fails what Kafka had not confirmed with a plain KafkaException.
        final String reason = forcedClose && "rejected".equals(reason(error)) ? "abandoned" : reason(error);
        failed.increment(reason);
        final boolean timeout = error instanceof RetriableException || "abandoned".equals(reason);
        final ByteBuf frame = Unpooled.buffer(FrameDescriptor.HEADER_LENGTH + d.payload.length);
        final int kept;
        try
        {
            Frames.writeHeader(frame, FrameDescriptor.HEADER_LENGTH + d.payload.length, FrameType.DATA, d.flags,
                d.streamId, d.sourceId, d.sequence, d.timestampNanos);
            frame.writeBytes(d.payload);
            kept = context.deadLetters().offer(config.stream(), timeout ? DeadLetterDescriptor.REASON_BRIDGE_TIMEOUT
                : DeadLetterDescriptor.REASON_BRIDGE_REJECTED, frame, 0, frame.readableBytes());
        }
        finally
        {
            frame.release();
        }
        if (kept > 0)
        {
            deadLettered++;
        }
        warnings.warn("kafka-sink {}: message {} of source {} not delivered to topic {} ({}): {}; {}", name(),
            d.sequence, d.sourceId, settings.topic(), reason, error.getMessage(),
            kept > 0 ? "kept in the dead-letter store" : "not kept (no dead-letter store, or it is full)");
    }

    static String reason(final Exception error)
    {
        if (error instanceof AbandonedException)
        {
            return "abandoned";
        }
        if (error instanceof RecordTooLargeException)
        {
            return "record-too-large";
        }
        if (error instanceof AuthorizationException)
        {
            return "not-authorized";
        }
        if (error instanceof InvalidTopicException)
        {
            return "invalid-topic";
        }
        if (error instanceof RetriableException)
        {
            return "timeout";
        }
        return "rejected";
    }

    private void resubscribeIfLost(final long now)
    {
        if (subscription == null || (!subscription.isConnected() && subscription.isDrained()))
        {
            if (closing || relayStopping || now - nextSubscribeNanos < 0)
            {
                return;
            }
            if (subscription != null)
            {
                LOG.warn("kafka-sink {}: subscription to stream '{}' lost: {}", name(), config.stream(),
                    subscription.closeReason());
                subscription.close();
                subscription = null;
                events.increment("resubscribe");
            }
            try
            {
                subscription = client.subscribe(config.stream(), settings.subscription());
                LOG.info("kafka-sink {}: subscribed to stream '{}' again", name(), config.stream());
                clearTrouble();
            }
            catch (final SluiceException ex)
            {
                trouble(now, "not subscribed to stream '" + config.stream() + "': " + ex.getMessage());
                nextSubscribeNanos = now + TimeUnit.SECONDS.toNanos(1);
            }
        }
    }

    private void checkHealth(final long now)
    {
        final long limit = TimeUnit.MILLISECONDS.toNanos(settings.unreachableAfterMs());
        // No connection at all says the most; then what the sink itself ran into.
        String found = null;
        if (connections != null && connections.withoutConnectionNanos(now) >= limit)
        {
            found = "Kafka unreachable at " + settings.producer().get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)
                + ": no broker connection for "
                + TimeUnit.NANOSECONDS.toSeconds(connections.withoutConnectionNanos(now)) + " s";
        }
        else if (trouble != null && now - troubleSinceNanos >= limit)
        {
            found = trouble;
        }
        else
        {
            final Delivery oldest = window.oldest();
            final long waiting = oldest == null || oldest.isDone() ? 0
                : now - Math.max(lastSettledNanos, oldest.sentAtNanos());
            if (waiting >= limit)
            {
                found = "no confirmation from Kafka for " + TimeUnit.NANOSECONDS.toSeconds(waiting) + " s with "
                    + window.inFlight() + " records in flight";
            }
        }
        if (found != null && problem == null)
        {
            LOG.warn("kafka-sink {}: {}", name(), found);
        }
        else if (found == null && problem != null)
        {
            LOG.info("kafka-sink {}: healthy again", name());
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
    }

    private void clearTrouble()
    {
        trouble = null;
    }

    private void backOff(final long now)
    {
        retryAtNanos = now + retryDelayNanos;
        retryDelayNanos = Math.min(retryDelayNanos * 2, RETRY_MAX_NANOS);
    }

    /**
     * Closing: take what the relay still sends (it drains the lane into the sink during its graceful stop) and wait
     * for Kafka, until everything is settled or the deadline passes; then whatever is left is abandoned.
     *
     * @return whether the thread may stop.
     */
    private boolean finishedClosing(final long now)
    {
        final boolean received = subscription == null || subscription.isDrained();
        if (received && unsent.isEmpty() && window.inFlight() == 0)
        {
            return true;
        }
        if (now - closeDeadlineNanos < 0)
        {
            return false;
        }
        // Out of time: abandon what Kafka has not confirmed, then what the relay sent and the sink did not take (both
        // kept as dead letters when the relay has a store), and stop receiving.
        abandonTaken = true;
        Delivery d;
        while ((d = unsent.poll()) != null)
        {
            d.fail(new AbandonedException());
        }
        if (producer != null && window.inFlight() > 0)
        {
            forcedClose = true;
            producer.close(Duration.ZERO);
        }
        final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        settle();
        while (window.inFlight() > 0 && System.nanoTime() - until < 0)
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            settle();
        }
        if (subscription != null)
        {
            subscription.close();
            while (subscription.poll(onMessage, POLL_BATCH) > 0)
            {
                // Each message taken now is abandoned at once.
            }
        }
        return true;
    }

    private void shutDown()
    {
        if (producer != null && !forcedClose)
        {
            try
            {
                producer.close(Duration.ofSeconds(5));
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("kafka-sink {}: closing the producer", name(), ex);
            }
        }
        if (subscription != null)
        {
            subscription.close();
        }
        final long lost = window.inFlight();
        if (lost > 0)
        {
            LOG.warn("kafka-sink {}: stopped with {} records Kafka neither confirmed nor refused", name(), lost);
        }
    }

    /** The sink stopped before Kafka confirmed the record. */
    static final class AbandonedException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        AbandonedException()
        {
            super("the sink stopped before Kafka confirmed it", null, false, false);
        }
    }

    private final class Taker implements MessageHandler
    {
        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            final Delivery d = abandonTaken ? abandoned : window.claim(length);
            d.streamId = header.streamId();
            d.sourceId = header.sourceId();
            d.flags = header.flags();
            d.sequence = header.sequence();
            d.timestampNanos = header.timestampNanos();
            final byte[] payload = new byte[length];
            buffer.getBytes(offset, payload);
            d.payload = payload;
            taken++;
            if (abandonTaken)
            {
                failedForGood(d, new AbandonedException());
                return;
            }
            if (!unsent.isEmpty() || !send(d))
            {
                unsent.add(d);
                if (unsent.size() == 1)
                {
                    backOff(System.nanoTime());
                }
            }
        }

        @Override
        public void onGap(final Header header)
        {
            events.add("gap-dropped", header.gapDroppedCount());
        }
    }
}
