package io.sluice.bench;

import io.sluice.bench.kafka.KafkaBench;
import io.sluice.bench.load.Format;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * The kafka scenario: Kafka's own producer against a stream bridged into a topic by the kafka sink, when Kafka's
 * server jars are on the class path.
 */
final class KafkaScenario
{
    private KafkaScenario()
    {
    }

    static void run(final ScenarioResults scenario, final BenchOptions options, final PrintWriter progress)
        throws Exception
    {
        if (!KafkaBench.available())
        {
            scenario.skip("kafka", "kafka: skipped, Kafka's server jars are not on the class path (./sluice adds "
                + "bench/target/kafka-broker/, which the build fills)");
            return;
        }
        final KafkaBench.Result r = KafkaBench.run(options.warmup(), options.duration(), options.size(), progress);
        scenario.note(String.format(Locale.ROOT, "Kafka's producer: %s records/s confirmed (one partition, %d-byte "
            + "payloads, the sink's producer settings and headers)", Format.rate(r.producerPerSecond()),
            options.size()));
        scenario.note(String.format(Locale.ROOT, "stream -> kafka-sink -> topic: %s records/s confirmed; %,d "
            + "published, %,d in the topic, %d failed: %s", Format.rate(r.bridgePerSecond()), r.published(),
            r.inTopic(), r.failed(), r.lossless() ? "lossless" : "NOT LOSSLESS"));
        scenario.ratio("kafka-sink", "kafka-producer", "records/s", r.bridgePerSecond() / r.producerPerSecond());
    }
}
