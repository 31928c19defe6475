package io.sluice.kafka;

import io.sluice.client.ClientConfig;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.server.bridge.Bridge;
import io.sluice.server.bridge.BridgeConfig;
import io.sluice.server.bridge.BridgeContext;
import io.sluice.server.bridge.BridgeSnapshot;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
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
    private static final int RECEIVE_BUFFER_BYTES = 256 * 1024;
    private static final NanoClock CLOCK = SystemNanoClock.INSTANCE;

    private final BridgeConfig config;
    private final KafkaSinkSettings settings;
    private final BridgeContext context;
    private final InFlightWindow window;
    private final BridgeCounters events = new BridgeCounters();
    private final SinkFailures failures;
    private final SinkHealth health;
    private final SinkSender sender;
    private final SinkLoop loop;
    private final Thread thread;

    private SluiceClient client;

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
        this.window = new InFlightWindow(settings.maxInFlight());
        this.failures = new SinkFailures(config.name(), config.stream(), settings.topic(), context.deadLetters());
        this.health = new SinkHealth(config.name(), settings, CLOCK);
        this.sender = new SinkSender(config.name(), settings, producers, window, failures, health, events, CLOCK);
        this.loop = new SinkLoop(config.name(), config.stream(), settings.subscription(), sender, window, failures,
            health, events, CLOCK);
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
            loop.start(client, client.subscribe(config.stream(), settings.subscription()));
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
        loop.relayStopping();
    }

    @Override
    public void close(final Duration grace)
    {
        loop.close(System.nanoTime() + grace.toNanos());
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
        return new BridgeSnapshot(name(), TYPE, config.stream(), "topic " + settings.topic(),
            health.problem() == null, health.problem(),
            inFlight, loop.taken(), sender.confirmed(), failures.byReason(), failures.deadLettered(), 0, -1,
            events.snapshot());
    }

    /** @return the lane position up to which every record taken is confirmed by Kafka or failed for good. */
    public long settledPosition()
    {
        return window.settledPosition();
    }

    // The sink's thread: the loop's duty cycle until it has finished closing or fails.
    private void run()
    {
        final IdleStrategy idle = new BackoffIdleStrategy(10, 10, TimeUnit.MICROSECONDS.toNanos(1),
            TimeUnit.MILLISECONDS.toNanos(1));
        try
        {
            while (true)
            {
                final int work = loop.doWork();
                if (loop.isDone())
                {
                    break;
                }
                idle.idle(work);
            }
        }
        catch (final RuntimeException | Error ex)
        {
            LOG.error("kafka-sink {} stopped on an unexpected error", name(), ex);
            health.stopped("stopped on an unexpected error: " + ex);
        }
        finally
        {
            loop.shutDown();
        }
    }
}
