package io.sluice.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chronicle Queue takes seconds to start in a fresh JVM, which stalled the first spill of a fresh relay: a relay that
 * may spill has its spill thread open, use and delete a store as it starts, so no lane waits for that.
 */
class ChronicleWarmUpTest
{
    @TempDir
    Path spillDir;

    @Test
    void aRelayThatMaySpillWarmsChronicleOnItsSpillThreadAtStart() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).spillDirectory(spillDir)
            .defaultStream(StreamConfig.DEFAULT.withStrategy(Strategy.SPILL)).build()))
        {
            // No lane, no subscriber: the store open, append and read, with Chronicle's start-up, happen all the same,
            // on the spill thread, where a first lane's tier would otherwise have paid for them.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (relay.diskTiers().warmedOn() == null)
            {
                assertTrue(System.nanoTime() < deadline, "Chronicle was never warmed up");
                LockSupport.parkNanos(1_000_000);
            }
            assertEquals("sluice-spill", relay.diskTiers().warmedOn(), "warmed up on the spill thread");
            try (Stream<Path> left = Files.list(spillDir))
            {
                assertEquals(0, left.count(), "the warm-up store is gone");
            }
        }
    }

    @Test
    void aRelayThatCannotSpillStartsNoSpillThread()
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).spillDirectory(spillDir.resolve("x"))
            .defaultStream(StreamConfig.DEFAULT.withStrategy(Strategy.BUFFER)).build()))
        {
            assertNull(relay.diskTiers().warmedOn());
            assertEquals(false, Files.exists(spillDir.resolve("x")), "nothing created in the spill directory");
        }
    }
}
