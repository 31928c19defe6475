package io.sluice.spill;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import net.openhft.chronicle.core.time.SetTimeProvider;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpillStoreDamageTest
{
    private static final int FRAMES = 5_000;
    private static final int PAYLOAD = 200;

    @TempDir
    Path dir;

    private final SetTimeProvider time = SpillTests.clock();
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[1024]);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void captureLog()
    {
        log.start();
        ((Logger)LoggerFactory.getLogger(SpillStore.class)).addAppender(log);
    }

    @AfterEach
    void releaseLog()
    {
        ((Logger)LoggerFactory.getLogger(SpillStore.class)).detachAppender(log);
    }

    private SpillConfig config()
    {
        return SpillConfig.of(dir, 256L << 20).withFreeSpaceMarginBytes(16L << 20).withTimeProvider(time);
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
        while (store.read(
            (buffer, offset, length) -> sequences.add(TestFrames.verify(buffer, offset, length)), 1000) > 0)
        {
            // drain
        }
        return sequences;
    }

    private static void assertPrefix(final List<Long> sequences, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            assertEquals(i, sequences.get(i), "prefix in order");
        }
    }

    private List<String> warnings()
    {
        final List<String> lines = new ArrayList<>();
        for (final ILoggingEvent event : log.list)
        {
            if (event.getLevel() == Level.WARN)
            {
                lines.add(event.getFormattedMessage());
            }
        }
        return lines;
    }

    /** Reopens the damaged store: the intact prefix, then what is appended afterwards. */
    private List<Long> reopenAndRead(final Path damaged)
    {
        try (SpillStore store = SpillStore.open(config()))
        {
            append(store, 1_000_000, 10);
            final List<Long> sequences = readAll(store);
            assertTrue(store.damagedSkipped() > 0, "damage counted");
            assertTrue(store.isEmpty());
            final List<String> warnings = warnings();
            assertEquals(1, warnings.size(), () -> "one WARN: " + warnings);
            assertTrue(warnings.get(0).contains(damaged.getFileName().toString()), warnings.get(0));
            final int intact = sequences.size() - 10;
            for (int i = 0; i < 10; i++)
            {
                assertEquals(1_000_000 + i, sequences.get(intact + i), "frames appended after the damage");
            }
            assertTrue(store.diskBytes() < SpillTests.DRAINED_DISK_BOUND, () -> SpillTests.listing(dir));
            return sequences.subList(0, intact);
        }
    }

    @Test
    void truncatedFileDeliversItsIntactPrefix() throws IOException
    {
        try (SpillStore store = SpillStore.open(config()))
        {
            append(store, 0, FRAMES);
        }
        final Path file = SpillTests.cycleFiles(dir)[0];
        final long end = DamagedFiles.dataEnd(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(end / 2);
        }

        final List<Long> intact = reopenAndRead(file);
        assertTrue(intact.size() > FRAMES / 4 && intact.size() < FRAMES / 2 + 100, "prefix " + intact.size());
        assertPrefix(intact, intact.size());
    }

    @Test
    void garbageOverTheTailIsSkipped() throws IOException
    {
        try (SpillStore store = SpillStore.open(config()))
        {
            append(store, 0, FRAMES);
        }
        final Path file = SpillTests.cycleFiles(dir)[0];
        final long end = DamagedFiles.dataEnd(file);
        DamagedFiles.overwrite(file, end - 100_000, 100_000);

        final List<Long> intact = reopenAndRead(file);
        assertTrue(intact.size() > FRAMES / 2 && intact.size() < FRAMES, "prefix " + intact.size());
        assertPrefix(intact, intact.size());
    }

    /** Checks that frames come in increasing order and returns how many were skipped between them. */
    private static long gaps(final List<Long> sequences)
    {
        long gaps = 0;
        for (int i = 1; i < sequences.size(); i++)
        {
            assertTrue(sequences.get(i) > sequences.get(i - 1), "increasing at " + i);
            gaps += sequences.get(i) - sequences.get(i - 1) - 1;
        }
        return gaps;
    }

    @Test
    void garbageInTheMiddleOfAnOlderFileIsSkippedAndReadingResumesAfterIt() throws IOException
    {
        try (SpillStore store = SpillStore.open(config()))
        {
            append(store, 0, FRAMES);
            time.advanceMillis(store.config().rollCycle().lengthInMillis());
            append(store, FRAMES, FRAMES);
        }
        final Path[] files = SpillTests.cycleFiles(dir);
        assertEquals(2, files.length);
        DamagedFiles.overwrite(files[0], DamagedFiles.dataEnd(files[0]) / 2, 4096);

        final List<Long> intact = reopenAndRead(files[0]);
        assertEquals(0L, intact.get(0));
        final long lost = gaps(intact);
        assertTrue(lost >= 4096 / (PAYLOAD + 48) && lost < 2 * 256, "lost " + lost + " frames around 4 KiB of garbage");
        assertEquals(2L * FRAMES - 1, intact.get(intact.size() - 1), "the whole later file is delivered");
        assertEquals(2L * FRAMES, intact.size() + lost);
    }

    /**
     * The relay stores batches of up to 64 KiB per record. A 64 KiB hole of zeros in the middle of a file costs the
     * records it covers (three of 26 KB here), found again by scanning for the next whole record, not the records up to
     * the next one Chronicle's index locates (every 256th: up to 6.7 MB). The loss is known at open, counted exactly in
     * bytes, and the rest arrives in order.
     */
    @Test
    void aHoleInABatchFileCostsOnlyTheRecordsItCovers() throws IOException
    {
        final int batch = 26_000;
        final int records = 1000;
        final UnsafeBuffer big = new UnsafeBuffer(new byte[batch]);
        try (SpillStore store = SpillStore.open(config()))
        {
            for (long seq = 0; seq < records; seq++)
            {
                assertEquals(SpillStore.OK, store.append(big, 0, TestFrames.write(big, 0, seq, batch - 32)));
            }
        }
        final Path file = SpillTests.cycleFiles(dir)[0];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.allocate(64 * 1024), (DamagedFiles.dataEnd(file) / 2) & ~4095L);
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            final long damagedAtOpen = store.damagedBacklogBytes();
            final List<Long> sequences = new ArrayList<>();
            while (store.read((b, o, l) -> sequences.add(TestFrames.verify(b, o, l)), 10) > 0)
            {
                // drain
            }
            final long lost = gaps(sequences);
            assertEquals(0L, sequences.get(0));
            assertEquals(records - 1L, sequences.get(sequences.size() - 1));
            assertTrue(lost >= 2 && lost <= 4, "a 64 KiB hole over records of 26 KB lost " + lost + " of them");
            assertEquals(lost, store.damagedSkipped(), "counted in records");
            assertEquals(lost * batch, store.damagedBytes(), "counted exactly in bytes");
            assertEquals(lost * batch, damagedAtOpen, "known at open");
            assertEquals(records, sequences.size() + lost);
        }
    }

    @Test
    void aLostPageInTheMiddleCostsOnlyTheFramesItCovered() throws IOException
    {
        try (SpillStore store = SpillStore.open(config()))
        {
            append(store, 0, FRAMES);
        }
        final Path file = SpillTests.cycleFiles(dir)[0];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.allocate(4096), (DamagedFiles.dataEnd(file) / 2) & ~4095L);
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            final List<Long> sequences = readAll(store);
            final long lost = gaps(sequences);
            assertEquals(0L, sequences.get(0));
            assertEquals(FRAMES - 1L, sequences.get(sequences.size() - 1));
            assertEquals(lost, store.damagedSkipped(), "counted exactly");
            assertTrue(lost > 0 && lost <= 4096 / (PAYLOAD + 48) + 2, "lost " + lost);
            assertEquals(lost * (PAYLOAD + 32), store.damagedBytes(), "bytes counted exactly");
            assertEquals(FRAMES, sequences.size() + lost);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 10, 1000})
    void fileWithADestroyedHeaderDoesNotBlockOpen(final int length) throws IOException
    {
        try (SpillStore store = SpillStore.open(config()))
        {
            append(store, 0, FRAMES);
        }
        final Path file = SpillTests.cycleFiles(dir)[0];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(length);
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            append(store, 1_000_000, 10);
            final List<Long> sequences = readAll(store);
            assertEquals(List.of(1_000_000L, 1_000_001L, 1_000_002L, 1_000_003L, 1_000_004L, 1_000_005L, 1_000_006L,
                1_000_007L, 1_000_008L, 1_000_009L), sequences, "only the frames appended after the damage");
            assertTrue(store.damagedSkipped() >= FRAMES - 1, "counted " + store.damagedSkipped());
            assertTrue(store.isEmpty());
            assertTrue(warnings().stream().anyMatch(w -> w.contains(file.getFileName().toString())),
                () -> warnings().toString());
            assertTrue(store.diskBytes() < SpillTests.DRAINED_DISK_BOUND, () -> SpillTests.listing(dir));
        }
    }

    @Test
    void lostMetadataFallsBackToReadingFromTheStart() throws IOException
    {
        try (SpillStore store = SpillStore.open(config()))
        {
            append(store, 0, 100);
            assertEquals(40, store.read((b, o, l) -> {}, 40));
            time.advanceMillis(store.config().rollCycle().lengthInMillis());
            append(store, 100, 100);
        }
        try (FileChannel channel = FileChannel.open(dir.resolve("metadata.cq4t"), StandardOpenOption.WRITE))
        {
            channel.truncate(0);
        }
        try (SpillStore store = SpillStore.open(config()))
        {
            final List<Long> sequences = readAll(store);
            assertEquals(200, sequences.size(), "at-least-once: the consumed frames of an undeleted file come again");
            assertEquals(0, gaps(sequences));
        }
    }
}
