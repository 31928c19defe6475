package io.sluice.bench.kafka;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.kafka.KafkaSink;
import io.sluice.kafka.KafkaSinkSettings;
import io.sluice.kafka.LocalKafka;
import io.sluice.server.Relay;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.bridge.BridgeConfig;
import io.sluice.server.bridge.BridgeSnapshot;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The {@code kafka} scenario of {@code sluice bench}: messages per second from a stream into a topic through a
 * {@code kafka-sink} bridge, against Kafka's own producer writing the same records to the same broker in the same run.
 * <p>
 * The broker is {@link LocalKafka} (one KRaft node in this JVM); it runs only when Kafka's server jars are on the class
 * path ({@code bench/target/kafka-broker/}, which the build fills and {@code ./sluice} adds). The Kafka producer run is
 * the loop of Kafka's {@code kafka-producer-perf-test} ({@code ProducerPerformance}): one thread, one reused payload,
 * {@code send} with a counting callback, blocking while {@code buffer.memory} is full; with the sink's producer
 * settings and the same record shape (payload, the sink's three headers, one partition). The bridge run publishes at
 * the maximum rate into a throttled stream whose sink writes to its own topic. Rates are records Kafka confirmed per
 * second in the measured window; the bridge run then checks every message it published is in the topic.
 */
public final class KafkaBench
{
    /**
     * What one invocation measured.
     *
     * @param producerPerSecond records per second Kafka confirmed to its own producer.
     * @param bridgePerSecond records per second Kafka confirmed to the bridge.
     * @param published messages published into the stream.
     * @param inTopic records in the bridge's topic afterwards.
     * @param failed records the bridge could not deliver.
     */
    public record Result(double producerPerSecond, double bridgePerSecond, long published, long inTopic, long failed)
    {
        /** @return whether every message published is in the topic. */
        public boolean lossless()
        {
            return failed == 0 && inTopic == published;
        }
    }

    private KafkaBench()
    {
    }

    /** @return whether the broker can run here. */
    public static boolean available()
    {
        try
        {
            Class.forName(LocalKafka.SERVER_CLASS, false, KafkaBench.class.getClassLoader());
            return true;
        }
        catch (final ClassNotFoundException | LinkageError ex)
        {
            return false;
        }
    }

    /**
     * @param warmupSeconds unmeasured seconds at the start of each run.
     * @param seconds measured seconds of each run.
     * @param size payload bytes.
     * @param progress where to say what runs.
     * @return what was measured.
     * @throws Exception when the broker cannot start.
     */
    public static Result run(final double warmupSeconds, final double seconds, final int size,
        final PrintWriter progress) throws Exception
    {
        final Path dir = Files.createTempDirectory("sluice-bench-kafka-");
        try (LocalKafka kafka = LocalKafka.start(dir, Map.of()))
        {
            kafka.createTopic("bench-producer", 1, Map.of());
            kafka.createTopic("bench-bridge", 1, Map.of());
            final Map<String, String> sink =
                Map.of("topic", "bench-bridge", "bootstrap-servers", kafka.bootstrapServers());
            progress.println("kafka: Kafka's producer into bench-producer");
            progress.flush();
            final double producer = producerRun(kafka, sink, warmupSeconds, seconds, size);
            progress.println("kafka: a relay's kafka-sink into bench-bridge");
            progress.flush();
            return bridgeRun(kafka, sink, warmupSeconds, seconds, size, producer);
        }
        finally
        {
            io.sluice.bench.load.Folders.delete(dir);
        }
    }

    private static double producerRun(final LocalKafka kafka, final Map<String, String> sink,
        final double warmupSeconds, final double seconds, final int size)
    {
        final Map<String, Object> properties = new HashMap<>(
            KafkaSinkSettings.of(new BridgeConfig("bench", KafkaSink.TYPE, "bench", Map.copyOf(sink))).producer());
        // As kafka-producer-perf-test: send blocks while the producer's buffer is full.
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        final byte[] payload = new byte[size];
        final AtomicLong confirmed = new AtomicLong();
        final long start = System.nanoTime();
        final long measureFrom = start + nanos(warmupSeconds);
        final long end = measureFrom + nanos(seconds);
        long atMeasureStart = -1;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties))
        {
            long sequence = 0;
            while (true)
            {
                final long now = System.nanoTime();
                if (atMeasureStart < 0 && now >= measureFrom)
                {
                    atMeasureStart = confirmed.get();
                }
                if (now >= end)
                {
                    break;
                }
                final RecordHeaders headers = new RecordHeaders(new RecordHeader[] {
                    new RecordHeader(KafkaSink.HEADER_SOURCE, new byte[4]),
                    new RecordHeader(KafkaSink.HEADER_SEQUENCE, longBytes(sequence)),
                    new RecordHeader(KafkaSink.HEADER_TIMESTAMP, longBytes(now))});
                producer.send(new ProducerRecord<>("bench-producer", 0, System.currentTimeMillis(), null, payload,
                    headers), (metadata, error) ->
                {
                    if (error == null)
                    {
                        confirmed.incrementAndGet();
                    }
                });
                sequence++;
            }
            final long inWindow = confirmed.get() - atMeasureStart;
            return inWindow / seconds;
        }
    }

    private static Result bridgeRun(final LocalKafka kafka, final Map<String, String> sink, final double warmupSeconds,
        final double seconds, final int size, final double producerRate) throws Exception
    {
        final RelayConfig config = RelayConfig.builder().port(0).ioThreads(2)
            .bridge(new BridgeConfig(null, KafkaSink.TYPE, "bench", Map.copyOf(sink))).build();
        try (Relay relay = Relay.start(config);
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             Publication publication = client.publish("bench"))
        {
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[size]);
            final long start = System.nanoTime();
            final long measureFrom = start + nanos(warmupSeconds);
            final long end = measureFrom + nanos(seconds);
            long atMeasureStart = -1;
            long published = 0;
            while (true)
            {
                final long now = System.nanoTime();
                if (atMeasureStart < 0 && now >= measureFrom)
                {
                    atMeasureStart = relay.bridges().snapshots().get(0).confirmed();
                }
                if (now >= end)
                {
                    break;
                }
                final long result = publication.offer(payload, 0, size);
                if (result >= 0)
                {
                    published++;
                }
                else if (result == Publication.BACK_PRESSURED)
                {
                    Thread.onSpinWait();
                }
                else
                {
                    throw new IllegalStateException("offer failed: " + result);
                }
            }
            final double rate = (relay.bridges().snapshots().get(0).confirmed() - atMeasureStart) / seconds;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            BridgeSnapshot snapshot = relay.bridges().snapshots().get(0);
            while (snapshot.confirmed() + snapshot.failed() < published && System.nanoTime() < deadline)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                snapshot = relay.bridges().snapshots().get(0);
            }
            return new Result(producerRate, rate, published, endOffset(kafka, "bench-bridge"), snapshot.failed());
        }
    }

    private static long endOffset(final LocalKafka kafka, final String topic) throws Exception
    {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers())))
        {
            final TopicPartition partition = new TopicPartition(topic, 0);
            return admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition)
                .get(30, TimeUnit.SECONDS).offset();
        }
    }

    private static byte[] longBytes(final long value)
    {
        final byte[] out = new byte[8];
        for (int i = 0; i < 8; i++)
        {
            out[i] = (byte)(value >>> (56 - 8 * i));
        }
        return out;
    }

    private static long nanos(final double seconds)
    {
        return (long)(seconds * 1e9);
    }
}
