package io.sluice.spill;

import net.openhft.chronicle.core.time.SetTimeProvider;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code drainRollIdleMillis}: a store drained again and again while appends keep coming keeps its file; the first
 * read that finds it empty once appends stopped for the idle time starts a new file and deletes the drained one.
 */
class SpillStoreDrainRollTest
{
    @TempDir
    Path dir;

    private final SetTimeProvider time = SpillTests.clock();
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[1024]);
    private final FrameHandler ignore = (buffer, offset, length) -> {};

    private void appendAndDrain(final SpillStore store, final int frames)
    {
        for (int i = 0; i < frames; i++)
        {
            assertEquals(SpillStore.OK, store.append(frame, 0, TestFrames.write(frame, 0, i, 1024 - 32)));
        }
        int read = 0;
        while (read < frames)
        {
            read += store.read(ignore, frames);
        }
        assertEquals(0, store.read(ignore, 1), "drained");
    }

    @Test
    void aDrainRollWaitsUntilAppendsStopForTheIdleTime()
    {
        final SpillConfig config = SpillConfig.of(dir, 64L << 20).withTimeProvider(time).withDrainRollIdleMillis(1000);
        try (SpillStore store = SpillStore.open(config))
        {
            // 300 KiB, drained in three rounds 100 ms apart: past the 128 KiB drain-roll size, never idle for 1 s.
            for (int round = 0; round < 3; round++)
            {
                appendAndDrain(store, 100);
                time.advanceMillis(100);
            }
            final Path[] before = SpillTests.cycleFiles(dir);
            assertEquals(1, before.length, () -> "no drain roll yet: " + SpillTests.listing(dir));

            time.advanceMillis(1000);
            assertEquals(0, store.read(ignore, 1));
            final Path[] after = SpillTests.cycleFiles(dir);
            assertEquals(1, after.length, () -> "rolled and deleted the drained file: " + SpillTests.listing(dir));
            assertNotEquals(before[0], after[0]);
            assertTrue(store.diskBytes() < SpillTests.DRAINED_DISK_BOUND, () -> "drained: " + SpillTests.listing(dir));
        }
    }

    @Test
    void withoutAnIdleTimeADrainRollsAtOnce()
    {
        try (SpillStore store = SpillStore.open(SpillConfig.of(dir, 64L << 20).withTimeProvider(time)))
        {
            appendAndDrain(store, 100);
            final Path[] first = SpillTests.cycleFiles(dir);
            appendAndDrain(store, 100);
            final Path[] second = SpillTests.cycleFiles(dir);
            assertEquals(1, second.length, () -> SpillTests.listing(dir));
            assertNotEquals(first[0], second[0], "200 KiB drained: a new file at once");
        }
    }
}
