package io.sluice.spill;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link SpillStore#dropCachedPages()}: the files between the reader's and the one appends go to leave the page cache,
 * and every frame still reads back whole and in order, from disk.
 */
class SpillStorePageCacheTest
{
    private static final int PAYLOAD = 1024 - 32;

    @TempDir
    Path dir;

    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[1024]);

    @Test
    void framesBeyondTheReadersFileLeaveTheCacheAndStillReadBackInOrder()
    {
        assumeTrue(PageCache.available(), "posix_fadvise through JNA (64-bit Linux)");
        final SpillConfig config = SpillConfig.of(dir, 256L << 20).withRollBytes(SpillConfig.MIN_ROLL_BYTES)
            .withTimeProvider(SpillTests.clock());
        final int frames = 24 * 1024;
        final long[] next = {0};
        final FrameHandler check = (buffer, offset, length) -> assertEquals(next[0]++, TestFrames.verify(buffer, offset,
            length));
        try (SpillStore store = SpillStore.open(config))
        {
            for (int i = 0; i < frames; i++)
            {
                assertEquals(SpillStore.OK, store.append(frame, 0, TestFrames.write(frame, 0, i, PAYLOAD)));
            }
            assertEquals(10, store.read(check, 10));
            final int files = SpillTests.cycleFiles(dir).length;
            assertTrue(files > 20, () -> "24 MiB in files of 1 MiB: " + SpillTests.listing(dir));

            // All files after the reader's, and the one appends go to up to its last 16 MiB (it holds 1 MiB: none).
            assertEquals(files - 2, store.dropCachedPages(), () -> SpillTests.listing(dir));
            assertEquals(0, store.dropCachedPages(), "nothing appended since");

            while (next[0] < frames)
            {
                assertTrue(store.read(check, 256) > 0, "frames left: " + (frames - next[0]));
            }
            assertEquals(0, store.read(check, 1));
        }
    }

    @Test
    void aReaderInTheFileAppendsGoToKeepsEverythingCached()
    {
        final SpillConfig config = SpillConfig.of(dir, 256L << 20).withTimeProvider(SpillTests.clock());
        final FrameHandler ignore = (buffer, offset, length) -> {};
        try (SpillStore store = SpillStore.open(config))
        {
            for (int i = 0; i < 1024; i++)
            {
                assertEquals(SpillStore.OK, store.append(frame, 0, TestFrames.write(frame, 0, i, PAYLOAD)));
            }
            assertEquals(1, store.read(ignore, 1));
            assertEquals(1, SpillTests.cycleFiles(dir).length);
            assertEquals(0, store.dropCachedPages());
        }
    }

    @Test
    void aFileThatIsGoneIsReportedNotThrown()
    {
        assumeTrue(PageCache.available(), "posix_fadvise through JNA (64-bit Linux)");
        assertEquals(PageCache.NOT_OPENED, PageCache.dropCached(dir.resolve("missing.cq4"), 0, 0));
    }
}
