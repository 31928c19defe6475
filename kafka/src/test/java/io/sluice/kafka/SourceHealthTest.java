package io.sluice.kafka;

import io.sluice.server.bridge.BridgeConfig;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A source's health and lag, driven directly on Kafka's {@link MockConsumer} with hand-given times.
 */
class SourceHealthTest
{
    private static final TopicPartition A = new TopicPartition("t", 0);
    private static final TopicPartition B = new TopicPartition("t", 1);
    private static final long LIMIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final SourceHealth health = new SourceHealth("source", KafkaSourceSettings.of(new BridgeConfig("source",
        KafkaSource.TYPE, "s", Map.of("topics", "t", "bootstrap-servers", "localhost:9092",
        "unreachable-after", "500ms"))));
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");

    @Test
    void troubleBecomesTheProblemOnceItHasLastedAndGoesWhenCleared()
    {
        final long start = TimeUnit.SECONDS.toNanos(10);
        health.trouble(start, "cannot make the Kafka consumer: x");
        assertNull(health.problem());
        health.trouble(start + LIMIT_NANOS, "cannot make the Kafka consumer: y");
        assertEquals("cannot make the Kafka consumer: y", health.problem(), "at once, without waiting for a check");

        health.clearTrouble();
        health.check(start + LIMIT_NANOS, consumer, Set.of(), 0, null);
        assertNull(health.problem());
    }

    @Test
    void theLagCountsWhatKafkaHasBeyondThePositionAndWhatIsHeld()
    {
        consumer.assign(List.of(A, B));
        consumer.updateBeginningOffsets(Map.of(A, 0L, B, 0L));
        consumer.updateEndOffsets(Map.of(A, 10L, B, 4L));
        consumer.seek(A, 3);
        consumer.seek(B, 4);
        health.check(0, consumer, Set.of(A, B), 2, null);
        assertEquals(7 + 0 + 2, health.lag());
    }
}
