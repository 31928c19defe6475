package io.sluice.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One broker for every Kafka test of the run (each test uses topics of its own): started by the first test that
 * asks, closed when the test JVM exits. A test that stops it starts it again.
 */
final class TestKafka
{
    private static LocalKafka kafka;

    private TestKafka()
    {
    }

    static synchronized LocalKafka broker()
    {
        if (kafka == null)
        {
            try
            {
                final Path dir = Files.createTempDirectory("sluice-kafka-test-");
                final LocalKafka started = LocalKafka.start(dir, Map.of());
                Runtime.getRuntime().addShutdownHook(new Thread(() ->
                {
                    started.close();
                    dir.toFile().delete();
                }));
                kafka = started;
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
        kafka.restart();
        return kafka;
    }
}
