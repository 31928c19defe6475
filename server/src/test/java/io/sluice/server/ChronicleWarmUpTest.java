package io.sluice.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Chronicle Queue takes seconds to start in a fresh JVM, which stalled the first spill of a fresh relay: a relay that
 * may spill has its spill thread open a store before it listens, so no lane waits for that.
 */
class ChronicleWarmUpTest
{
    @TempDir
    Path spillDir;

    @Test
    void aRelayThatMaySpillWarmsChronicleOnItsSpillThreadBeforeItListens() throws IOException
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).spillDirectory(spillDir)
            .defaultStream(StreamConfig.DEFAULT.withStrategy(Strategy.SPILL)).build()))
        {
            // No lane yet: the store open, append and read, with Chronicle's start-up, are behind us.
            assertEquals("sluice-spill", relay.diskTiers().warmedOn(), "warmed up on the spill thread, before start returned");
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
