package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.SluiceClient;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.config.StreamConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chronicle Queue takes seconds to start in a fresh JVM, which stalled the first spill of a fresh relay: when the
 * first spill lane is made, the spill thread opens, uses and deletes a store before that lane's tier opens, so the
 * lane's first spill does not wait for it. A relay that never spills starts no spill thread.
 */
class ChronicleWarmUpTest
{
    @TempDir
    Path spillDir;

    @Test
    void theFirstSpillLaneHasChronicleWarmedOnTheSpillThread() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).spillDirectory(spillDir)
            .defaultStream(StreamConfig.DEFAULT.withStrategy(Strategy.SPILL)).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            assertNull(relay.diskTiers().warmedOn(), "nothing before a spill lane exists");
            client.subscribe("warm", "durable-warm");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (relay.diskTiers().warmedOn() == null)
            {
                assertTrue(System.nanoTime() < deadline, "Chronicle was never warmed up");
                LockSupport.parkNanos(1_000_000);
            }
            assertEquals("sluice-spill", relay.diskTiers().warmedOn(), "warmed up on the spill thread");
            try (Stream<Path> left = Files.list(spillDir))
            {
                assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".warm-up")),
                    "the warm-up store is gone");
            }
        }
    }

    @Test
    void aRelayThatDoesNotSpillStartsNoSpillThread()
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).spillDirectory(spillDir.resolve("x"))
            .defaultStream(StreamConfig.DEFAULT.withStrategy(Strategy.BUFFER)).build()))
        {
            assertNull(relay.diskTiers().warmedOn());
            assertFalse(Files.exists(spillDir.resolve("x")), "nothing created in the spill directory");
        }
    }
}
