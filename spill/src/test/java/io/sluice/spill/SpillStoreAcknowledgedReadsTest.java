package io.sluice.spill;

import net.openhft.chronicle.core.time.SetTimeProvider;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SpillConfig#acknowledgedReads()}: reading moves a cursor, {@link SpillStore#release} moves the kept position
 * (with its tag), a reopen starts at the oldest record not released, and no file holding one is deleted.
 */
class SpillStoreAcknowledgedReadsTest
{
    private static final int PAYLOAD = 1024 - 32;
    private static final int FRAME_LENGTH = 1024;
    private static final FrameHandler IGNORE = (buffer, offset, length) -> {};

    @TempDir
    Path dir;

    private final SetTimeProvider time = SpillTests.clock();
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[FRAME_LENGTH]);

    private SpillConfig config()
    {
        return SpillConfig.of(dir, 256L << 20).withFreeSpaceMarginBytes(16L << 20).withTimeProvider(time)
            .withRollBytes(SpillConfig.MIN_ROLL_BYTES).withAcknowledgedReads(true);
    }

    private void append(final SpillStore store, final long from, final long count)
    {
        for (long seq = from; seq < from + count; seq++)
        {
            assertEquals(SpillStore.OK, store.append(frame, 0, TestFrames.write(frame, 0, seq, PAYLOAD)));
        }
    }

    private static List<Long> readAll(final SpillStore store)
    {
        final List<Long> sequences = new ArrayList<>();
        while (store.read((buffer, offset, length) -> sequences.add(TestFrames.verify(buffer, offset, length)), 500)
            > 0)
        {
            // until empty
        }
        return sequences;
    }

    private static void assertRun(final List<Long> sequences, final long first, final long count)
    {
        assertEquals(count, sequences.size(), "records read");
        for (int i = 0; i < sequences.size(); i++)
        {
            assertEquals(first + i, sequences.get(i), "in order from " + first + ", no gap, no duplicate");
        }
    }

    @Test
    void aReopenedStoreReadsAgainWhatWasReadAndNotReleased()
    {
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(SpillStore.NO_TAG, store.releasedTag(), "never released");
            append(store, 0, 100);
            assertRun(readAll(store), 0, 100);
            assertEquals(100, store.unreleasedRecords());
            assertTrue(store.isEmpty(), "everything was read");
            assertEquals(0, store.backlogBytes());

            store.release(30, 30);
            store.release(10, 40);
            assertEquals(60, store.unreleasedRecords());
            assertEquals(40, store.releasedTag());
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(40, store.releasedTag(), "the last release's tag");
            assertEquals(0, store.unreleasedRecords());
            assertEquals(60, store.backlogMessages(), "the unreleased records wait again");
            assertEquals(60L * FRAME_LENGTH, store.backlogBytes());

            final List<Long> first = new ArrayList<>();
            assertEquals(5, store.read((buffer, offset, length) ->
                first.add(TestFrames.verify(buffer, offset, length)), 5));
            assertRun(first, 40, 5);
            store.release(5, 45);
            append(store, 100, 20);
            assertRun(readAll(store), 45, 75);
            assertEquals(75, store.unreleasedRecords());
            assertEquals(0, store.damagedSkipped());
            assertEquals(0, store.damagedBytes());
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(45, store.releasedTag());
            assertRun(readAll(store), 45, 75);
            store.release(75, 120);
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(120, store.releasedTag());
            assertTrue(store.isEmpty());
            assertEquals(0, store.read(IGNORE, 10));
            assertEquals(0, store.damagedBacklogBytes());
        }
    }

    @Test
    void noFileHoldingAnUnreleasedRecordIsDeleted()
    {
        final int records = 5000;
        try (SpillStore store = SpillStore.open(config()))
        {
            append(store, 0, records);
            final int files = SpillTests.cycleFiles(dir).length;
            assertTrue(files >= 4, () -> "1 MiB rolls: " + SpillTests.listing(dir));

            final Path first = SpillTests.cycleFiles(dir)[0];
            assertRun(readAll(store), 0, records);
            final Path[] read = SpillTests.cycleFiles(dir);
            assertTrue(read.length >= files && read[0].equals(first),
                () -> "every file holds a record read and not released: " + SpillTests.listing(dir));

            // The first file's records (a little over a thousand) and some of the second's.
            store.release(2000, 2000);
            final Path[] afterRelease = SpillTests.cycleFiles(dir);
            assertEquals(read.length - 1, afterRelease.length, () -> "the first file went: " + SpillTests.listing(dir));
            assertEquals(read[1], afterRelease[0], () -> "the second stays: " + SpillTests.listing(dir));

            store.release(records - 2000 - 1, records - 1);
            assertTrue(SpillTests.cycleFiles(dir).length >= 1);
            assertEquals(1, store.unreleasedRecords());
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(records - 1, store.releasedTag());
            assertRun(readAll(store), records - 1, 1);
            store.release(1, records);
            assertEquals(0, store.read(IGNORE, 1), "drained");
            assertTrue(SpillTests.cycleFiles(dir).length <= 2,
                () -> "everything released: the files read are gone: " + SpillTests.listing(dir));
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(records, store.releasedTag());
            assertTrue(store.isEmpty());
            assertEquals(0, store.damagedBacklogBytes());
            assertEquals(0, store.damagedSkipped());
        }
    }

    @Test
    void aReleasedFileIsDeletedOnceEveryRecordInItWasReleased()
    {
        int released = 0;
        try (SpillStore store = SpillStore.open(config()))
        {
            append(store, 0, 3000);
            final Path first = SpillTests.cycleFiles(dir)[0];
            assertRun(readAll(store), 0, 3000);
            while (released < 3000 && SpillTests.cycleFiles(dir)[0].equals(first))
            {
                store.release(1, released + 1);
                released++;
            }
        }
        final int releasedWhenDeleted = released;
        assertTrue(released > 100 && released < 3000, () -> "the first file went after " + releasedWhenDeleted);
        // Every record from the first unreleased on is still there; none before it is read again.
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(released, store.releasedTag());
            assertRun(readAll(store), released, 3000 - released);
        }
    }

    @Test
    void readAndReleaseDoNotAllocatePerRecord()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final int length = TestFrames.write(frame, 0, 0, 64);
        long released = 0;
        try (SpillStore store = SpillStore.open(config().withRollBytes(32L << 20)))
        {
            for (int round = 0; round < 3; round++)
            {
                final long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                for (int i = 0; i < 100_000; i++)
                {
                    store.append(frame, 0, length);
                }
                int n;
                while ((n = store.read(IGNORE, 1024)) > 0)
                {
                    released += n;
                    store.release(n, released);
                }
                final long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
                if (round == 2)
                {
                    // As SpillStoreApiTest's default-mode bound: a handful of disk-use samples per MiB, no object per
                    // record (that would be at least 1.6 MB).
                    assertTrue(allocated < 1_000_000, "allocated " + allocated + " bytes for 100k records");
                }
            }
            assertEquals(300_000, released);
            assertEquals(300_000, store.releasedTag());
        }
    }

    @Test
    void releaseChecksItsArguments()
    {
        try (SpillStore store = SpillStore.open(config()))
        {
            append(store, 0, 5);
            assertEquals(3, store.read(IGNORE, 3));
            final IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> store.release(4, 4));
            assertTrue(tooMany.getMessage().contains("4") && tooMany.getMessage().contains("3"),
                tooMany::getMessage);
            assertThrows(IllegalArgumentException.class, () -> store.release(-1, 0));
            assertEquals(3, store.unreleasedRecords(), "a refused release changes nothing");
            assertEquals(SpillStore.NO_TAG, store.releasedTag());

            store.release(0, 99);
            assertEquals(99, store.releasedTag(), "releasing nothing keeps the tag with the same position");
            store.release(3, 3);
            assertThrows(IllegalArgumentException.class, () -> store.release(1, 4));
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(3, store.releasedTag());
            assertRun(readAll(store), 3, 2);
        }
    }

    @Test
    void theDefaultModeHasNothingToRelease()
    {
        try (SpillStore store = SpillStore.open(config().withAcknowledgedReads(false)))
        {
            append(store, 0, 3);
            assertEquals(3, store.read(IGNORE, 3));
            assertEquals(0, store.unreleasedRecords(), "a frame read is consumed");
            assertThrows(IllegalStateException.class, () -> store.release(0, 1));
            assertThrows(IllegalStateException.class, store::releasedTag);
        }
    }

    @Test
    void aSessionInTheDefaultModeForgetsTheTag()
    {
        try (SpillStore store = SpillStore.open(config()))
        {
            append(store, 0, 10);
            readAll(store);
            store.release(4, 4);
        }
        try (SpillStore store = SpillStore.open(config().withAcknowledgedReads(false)))
        {
            final List<Long> read = new ArrayList<>();
            store.read((buffer, offset, length) -> read.add(TestFrames.verify(buffer, offset, length)), 2);
            assertRun(read, 4, 2);
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(SpillStore.NO_TAG, store.releasedTag(), "the position moved without a release");
            assertRun(readAll(store), 6, 4);
        }
    }

    /**
     * A lost page in the middle of a file: the records after it are found by scanning. Released before the hole, a
     * reopen meets it again and counts the same bytes lost; released past it (records found by scanning), a reopen
     * starts at the first record not released, with no loss counted in bytes.
     */
    @Test
    void damageIsSkippedTheSameWayWhenRecordsComeAgain() throws IOException
    {
        final int records = 5000;
        final int payload = 200;
        try (SpillStore store = SpillStore.open(config().withRollBytes(64L << 20)))
        {
            for (long seq = 0; seq < records; seq++)
            {
                assertEquals(SpillStore.OK, store.append(frame, 0, TestFrames.write(frame, 0, seq, payload)));
            }
        }
        final Path file = SpillTests.cycleFiles(dir)[0];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.allocate(4096), (DamagedFiles.dataEnd(file) / 2) & ~4095L);
        }
        final List<Long> first;
        final long lostBytes;
        int hole = 0;
        try (SpillStore store = SpillStore.open(config()))
        {
            first = readAll(store);
            lostBytes = store.damagedBytes();
            assertTrue(lostBytes > 0 && first.size() < records, "the hole cost " + lostBytes + " bytes");
            assertEquals(records - 1L, first.get(first.size() - 1));
            while (first.get(hole) == hole)
            {
                hole++;
            }
            store.release(hole - 10, hole - 10);
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(hole - 10, store.releasedTag());
            final List<Long> again = readAll(store);
            assertEquals(first.size() - hole + 10, again.size(), "the same records after the tag's");
            assertEquals(first.subList(hole - 10, first.size()), again);
            assertEquals(lostBytes, store.damagedBytes(), "the same loss, counted exactly again");
            store.release(20, first.get(hole + 10));
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(first.get(hole + 10), store.releasedTag());
            final List<Long> rest = readAll(store);
            assertEquals(first.size() - hole - 10, rest.size(), "from the first record found past the hole");
            assertEquals(first.subList(hole + 10, first.size()), rest);
            assertEquals(0, store.damagedBytes(), "no byte lost past the released position");
            assertEquals(0, store.damagedBacklogBytes(), "the survey at open scans the file too");
            assertTrue(store.isEmpty());
        }
    }

    /**
     * The default mode: a store closed while the reader was taking records from a damaged file by scanning reopens with
     * its read index where Chronicle cannot reach; the rest of the file is scanned again, not skipped.
     */
    @Test
    void aStoreClosedWhileScanningADamagedFileScansItAgain() throws IOException
    {
        final int records = 5000;
        final SpillConfig config = config().withAcknowledgedReads(false).withRollBytes(64L << 20);
        try (SpillStore store = SpillStore.open(config))
        {
            for (long seq = 0; seq < records; seq++)
            {
                assertEquals(SpillStore.OK, store.append(frame, 0, TestFrames.write(frame, 0, seq, 200)));
            }
        }
        final Path file = SpillTests.cycleFiles(dir)[0];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.allocate(4096), (DamagedFiles.dataEnd(file) / 2) & ~4095L);
        }
        final List<Long> first = new ArrayList<>();
        final long lostBytes;
        try (SpillStore store = SpillStore.open(config))
        {
            while (first.isEmpty() || first.get(first.size() - 1) < records / 2 + 100)
            {
                assertTrue(store.read((buffer, offset, length) ->
                    first.add(TestFrames.verify(buffer, offset, length)), 50) > 0);
            }
            lostBytes = store.damagedBytes();
            assertTrue(lostBytes > 0, "past the hole");
        }
        try (SpillStore store = SpillStore.open(config))
        {
            final List<Long> rest = readAll(store);
            assertEquals(first.get(first.size() - 1) + 1, rest.get(0), "the next record, found by scanning again");
            assertRun(rest, rest.get(0), records - rest.get(0));
            assertEquals(0, store.damagedBytes());
            assertEquals(0, store.damagedBacklogBytes());
        }
    }
}
