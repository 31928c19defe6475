package io.sluice.kafka;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.server.lane.LaneSnapshot;
import io.sluice.server.Relay;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.bridge.BridgeConfig;
import io.sluice.server.bridge.BridgeSnapshot;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker stopped for 10 s in the middle of a stream, and started again on the same port with the same data:
 * under throttle the publisher is held back and nothing is lost; under spill it is not held back, the sink's lane
 * spills to disk, and the backlog drains into Kafka once it is back. Either way every message is in the topic once,
 * in order.
 */
@Tag("kafka")
class KafkaOutageTest
{
    private static final int RATE = 10_000;
    /** Large enough that the buffers between publisher and sink (kernel ones included) fill within the outage. */
    private static final int SIZE = 1000;
    /**
     * More than a throttled stream holds before its publisher stalls: the sink's window, its subscription ring, the
     * lane and the socket buffers, about 10 MB here (the throttle test stalls with fewer published in all).
     */
    private static final long THROTTLED_HOLDS = 20_000;
    private static final long OUTAGE_NANOS = TimeUnit.SECONDS.toNanos(10);

    @TempDir
    static Path dir;
    private LocalKafka kafka;

    @BeforeEach
    void broker()
    {
        kafka = TestKafka.broker();
    }

    @Test
    void underThrottleTheProducerIsHeldBackAndNothingIsLost() throws Exception
    {
        final Outcome outcome = outage("outage-throttle", StreamConfig.DEFAULT, RATE);
        assertTrue(outcome.stalled, "the publisher was held back while Kafka was down");
        assertTrue(outcome.acceptedDuringOutage < THROTTLED_HOLDS, "accepted during the outage: "
            + outcome.acceptedDuringOutage);
    }

    @Test
    void underSpillTheProducerGoesOnTheBacklogGoesToDiskAndDrainsAfterwards() throws Exception
    {
        final Outcome outcome = outage("outage-spill", new StreamConfig(Strategy.SPILL,
            StreamConfig.DEFAULT_LANE_BYTES, StreamConfig.DEFAULT_LANE_RUNS, 1 << 20, 1L << 30), RATE / 2);
        assertFalse(outcome.stalled, "the publisher went on while Kafka was down");
        assertTrue(outcome.spilledDuringOutage > 0, "the sink's lane spilled while Kafka was down");
        assertTrue(outcome.acceptedDuringOutage > THROTTLED_HOLDS,
            "more was published during the outage than a throttled stream can hold");
    }

    private record Outcome(boolean stalled, long acceptedDuringOutage, long spilledDuringOutage)
    {
    }

    private Outcome outage(final String topic, final StreamConfig stream, final int rate) throws Exception
    {
        kafka.createTopic(topic, 1, Map.of());
        final RelayConfig config = RelayConfig.builder().port(0)
            .maxFrameLength(64 << 10)
            .subscriberSendBufferBytes(64 << 10)
            .spillDirectory(dir.resolve("spill-" + topic))
            .stream(topic, stream)
            .bridge(new BridgeConfig(null, KafkaSink.TYPE, topic, Map.of("topic", topic,
                "bootstrap-servers", kafka.bootstrapServers(), "max-in-flight", "1024", "unreachable-after", "1s")))
            .build();
        final AtomicLong accepted = new AtomicLong();
        final AtomicBoolean producing = new AtomicBoolean(true);
        boolean stalled = false;
        final long acceptedDuringOutage;
        long spilled = 0;
        try (Relay relay = Relay.start(config);
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Publication publication = client.publish(topic);
            final Thread producer = new Thread(() -> produce(publication, rate, accepted, producing), "paced-producer");
            producer.start();
            await("the sink confirms", () -> snapshot(relay).confirmed() >= rate, 60);

            final long stoppedAt = System.nanoTime();
            kafka.stop();
            final long acceptedAtStop = accepted.get();
            await("the sink reports Kafka unreachable", () -> !snapshot(relay).healthy(), 9);
            // Held back: a whole second without a message accepted, while the schedule asks for thousands.
            long before = accepted.get();
            while (System.nanoTime() - stoppedAt < OUTAGE_NANOS - TimeUnit.SECONDS.toNanos(1))
            {
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                final long now = accepted.get();
                stalled |= now == before;
                before = now;
                spilled = Math.max(spilled, sinkLane(relay, topic).spilled());
            }
            LockSupport.parkNanos(OUTAGE_NANOS - (System.nanoTime() - stoppedAt));
            acceptedDuringOutage = accepted.get() - acceptedAtStop;
            kafka.restart();

            await("publishing goes on", () -> accepted.get() > acceptedAtStop + acceptedDuringOutage + rate, 60);
            producing.set(false);
            producer.join();
            final long total = accepted.get();
            final BridgeSnapshot sink = KafkaSinkTest.awaitConfirmed(relay, total);
            assertEquals(0, sink.failed(), sink.toString());
            await("the sink is healthy again", () -> snapshot(relay).healthy(), 30);
            final LaneSnapshot lane = sinkLane(relay, topic);
            assertEquals(lane.spilled(), lane.restored(), "the disk backlog drained");

            final long[] next = {0};
            final long read = KafkaTopics.readAll(kafka.bootstrapServers(), topic, total, Duration.ofSeconds(30),
                record ->
                {
                    final long n = new UnsafeBuffer(record.value()).getLong(0, ByteOrder.BIG_ENDIAN);
                    if (n != next[0])
                    {
                        throw new AssertionError("message " + n + " where " + next[0] + " was due");
                    }
                    next[0]++;
                });
            assertEquals(total, read, "every message once, in order");
        }
        return new Outcome(stalled, acceptedDuringOutage, spilled);
    }

    private static void produce(final Publication publication, final int rate, final AtomicLong accepted,
        final AtomicBoolean producing)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[SIZE]);
        final long start = System.nanoTime();
        long n = 0;
        while (producing.get())
        {
            final long due = start + n * TimeUnit.SECONDS.toNanos(1) / rate;
            if (System.nanoTime() < due)
            {
                LockSupport.parkNanos(Math.min(due - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(1)));
                continue;
            }
            payload.putLong(0, n, ByteOrder.BIG_ENDIAN);
            final long result = publication.offer(payload, 0, SIZE);
            if (result >= 0)
            {
                n++;
                accepted.incrementAndGet();
            }
            else if (result != Publication.BACK_PRESSURED)
            {
                throw new AssertionError("offer failed: " + result);
            }
            else
            {
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
            }
        }
    }

    private static BridgeSnapshot snapshot(final Relay relay)
    {
        return relay.bridges().snapshots().get(0);
    }

    private static LaneSnapshot sinkLane(final Relay relay, final String stream)
    {
        return relay.metrics().lanes().stream().filter(l -> l.stream().equals(stream)).findFirst().orElseThrow();
    }

    private static void await(final String what, final BooleanSupplier condition, final int seconds)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("not within " + seconds + " s: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }
}
