package io.sluice.spill;

import net.openhft.chronicle.core.time.SetTimeProvider;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpillStoreRestartTest
{
    @TempDir
    Path dir;

    private final SetTimeProvider time = SpillTests.clock();
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[8192]);

    private SpillConfig config()
    {
        return SpillConfig.of(dir, 256L << 20).withFreeSpaceMarginBytes(16L << 20).withTimeProvider(time);
    }

    private static int payload(final long sequence)
    {
        return 8 + (int)(sequence * 37 % 4000);
    }

    private long append(final SpillStore store, final long from, final long count)
    {
        long bytes = 0;
        for (long seq = from; seq < from + count; seq++)
        {
            final int length = TestFrames.write(frame, 0, seq, payload(seq));
            assertEquals(SpillStore.OK, store.append(frame, 0, length));
            bytes += length;
        }
        return bytes;
    }

    private static List<Long> read(final SpillStore store, final int limit)
    {
        final List<Long> sequences = new ArrayList<>();
        int n;
        do
        {
            n = store.read((buffer, offset, length) -> sequences.add(TestFrames.verify(buffer, offset, length)),
                Math.min(500, limit - sequences.size()));
        }
        while (n > 0 && sequences.size() < limit);
        return sequences;
    }

    private static void assertRun(final List<Long> sequences, final long first, final long count)
    {
        assertEquals(count, sequences.size(), "frames read");
        for (int i = 0; i < sequences.size(); i++)
        {
            assertEquals(first + i, sequences.get(i), "frame " + i);
        }
    }

    @Test
    void readsResumeAtTheFirstUnreadFrameAfterReopen()
    {
        final int n = 20_000;
        final int k = 7_777;
        final long total;
        try (SpillStore store = SpillStore.open(config()))
        {
            total = append(store, 0, n);
            assertRun(read(store, k), 0, k);
        }
        long unreadBytes = 0;
        for (long seq = k; seq < n; seq++)
        {
            unreadBytes += 32 + payload(seq);
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(n - k, store.backlogMessages(), "backlog from index arithmetic");
            assertEquals(unreadBytes, store.backlogBytes(), "backlog bytes from stored offsets");
            assertRun(read(store, 1000), k, 1000);
            append(store, n, 10);
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(n - k - 1000 + 10, store.backlogMessages());
            assertRun(read(store, Integer.MAX_VALUE), k + 1000, n - k - 1000 + 10);
            assertTrue(store.isEmpty());
            assertEquals(0, store.backlogBytes());
            assertEquals(0, store.damagedSkipped());
        }
        assertTrue(total > 0);
    }

    @Test
    void restartAtTheExactEndOfACycleFileAndAfterEverythingWasRead()
    {
        try (SpillStore store = SpillStore.open(config()))
        {
            append(store, 0, 300);
            time.advanceMillis(store.config().rollCycle().lengthInMillis());
            append(store, 300, 300);
            assertEquals(2, SpillTests.cycleFiles(dir).length);
            assertRun(read(store, 300), 0, 300);
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(300, store.backlogMessages());
            assertRun(read(store, Integer.MAX_VALUE), 300, 300);
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            assertTrue(store.isEmpty());
            assertEquals(0, store.read((b, o, l) ->
            {
                throw new AssertionError("nothing to read");
            }, 10));
            append(store, 600, 5);
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(5, store.backlogMessages());
            assertRun(read(store, Integer.MAX_VALUE), 600, 5);
            assertTrue(store.diskBytes() < SpillTests.DRAINED_DISK_BOUND, () -> SpillTests.listing(dir));
        }
    }

    @Test
    void manyReopensWithoutTrafficDoNotAccumulateFiles()
    {
        for (int i = 0; i < 20; i++)
        {
            try (SpillStore store = SpillStore.open(config()))
            {
                append(store, i, 1);
                assertRun(read(store, Integer.MAX_VALUE), i, 1);
            }
        }
        assertTrue(SpillTests.cycleFiles(dir).length <= 2, () -> SpillTests.listing(dir));
    }
}
