package io.sluice.spill;

import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptTailer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drives the damaged-file scan directly over two cycle files a store wrote, the first of them damaged in the middle:
 * the records around the hole are found in order, the rest counted lost, and the tailer moved to the second file.
 */
class DamageScannerTest
{
    private static final int FIRST_FILE = 400;
    private static final int SECOND_FILE = 10;
    private static final int PAYLOAD = 200;

    @TempDir
    Path dir;

    private final SetTimeProvider time = SpillTests.clock();
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[1024]);
    private int frameLength;
    private StoreParts parts;
    private ExcerptTailer tailer;
    private ReadOffset readOffset;
    private DamageScanner scanner;
    private int damagedCycle;
    private int nextCycle;

    @BeforeEach
    void writeTwoFilesAndDamageTheFirst() throws IOException
    {
        final SpillConfig config = SpillConfig.of(dir, 256L << 20).withFreeSpaceMarginBytes(16L << 20)
            .withTimeProvider(time);
        append(config, 0, FIRST_FILE);
        // Each open starts a new cycle file.
        append(config, FIRST_FILE, SECOND_FILE);
        final Path[] files = SpillTests.cycleFiles(dir);
        assertEquals(2, files.length, SpillTests.listing(dir));
        final long end = DamagedFiles.dataEnd(files[0]);
        DamagedFiles.overwrite(files[0], end / 2, 64);

        parts = new StoreParts(dir, config);
        parts.gauges.appendEnd(parts.positions.appendEnd());
        parts.gauges.backlogMessages(FIRST_FILE + SECOND_FILE);
        final int[] cycles = parts.cycleFiles.list();
        damagedCycle = cycles[0];
        nextCycle = cycles[1];
        tailer = parts.queue.createTailer();
        tailer.toStart();
        readOffset = new ReadOffset(parts.gauges);
        readOffset.reset(0, ReadOffset.Trust.EXACT);
        scanner = new DamageScanner(dir, tailer, parts.queue.rollCycle(), parts.cycleFiles, parts.positions,
            parts.gauges, new DamageLog(dir, parts.cycleFiles, parts.gauges), readOffset, parts.maxRecordLength);
    }

    private void append(final SpillConfig config, final long from, final int count)
    {
        try (SpillStore store = SpillStore.open(config))
        {
            for (long seq = from; seq < from + count; seq++)
            {
                frameLength = TestFrames.write(frame, 0, seq, PAYLOAD);
                assertEquals(SpillStore.OK, store.append(frame, 0, frameLength));
            }
        }
    }

    @AfterEach
    void close()
    {
        scanner.close();
        tailer.close();
        parts.close();
    }

    /** Scans the damaged file to its end as a reader does, consuming every record found. */
    private List<Long> scanAll()
    {
        final List<Long> sequences = new ArrayList<>();
        while (scanner.findNext())
        {
            sequences.add(TestFrames.verify(scanner.frame(), 0, scanner.frameLength()));
            readOffset.consumed(scanner.recordOffset(), scanner.frameLength());
            scanner.consume();
        }
        return sequences;
    }

    @Test
    void findsTheRecordsAroundTheHoleCountsTheRestAndMovesToTheNextFile()
    {
        assertTrue(scanner.skip(damagedCycle, "test damage"));
        assertTrue(scanner.active());

        final List<Long> found = scanAll();
        assertTrue(found.size() < FIRST_FILE, "the hole destroyed records: " + found.size());
        assertTrue(found.size() >= FIRST_FILE - 3, "only the records under the hole are lost: " + found.size());
        assertEquals(0L, found.get(0));
        assertEquals(FIRST_FILE - 1L, found.get(found.size() - 1));
        for (int i = 1; i < found.size(); i++)
        {
            assertTrue(found.get(i) > found.get(i - 1), "in order");
        }

        assertTrue(scanner.finish());
        assertFalse(scanner.active());
        final long lost = FIRST_FILE - found.size();
        assertEquals(lost, parts.gauges.damagedSkipped());
        assertEquals(FIRST_FILE + SECOND_FILE - lost, parts.gauges.backlogMessages());
        assertEquals(ReadOffset.Trust.LOWER_BOUND, readOffset.trust(), "records were skipped");
        assertEquals(nextCycle, tailer.cycle());
        assertEquals(parts.queue.rollCycle().toIndex(nextCycle, 0), parts.positions.readIndex());
    }

    @Test
    void skipsRecordsBelowATrustedReadOffset()
    {
        final long tenth = 10L * frameLength;
        readOffset.reset(tenth, ReadOffset.Trust.EXACT);
        assertTrue(scanner.skip(damagedCycle, "test damage"));
        final List<Long> found = scanAll();
        assertEquals(10L, found.get(0), "records before the read offset were consumed already");
        assertEquals(FIRST_FILE - 1L, found.get(found.size() - 1));
    }

    @Test
    void damageInTheLastFileLeavesTheReaderWhereItIs()
    {
        assertFalse(scanner.skip(nextCycle, "test damage"));
        assertFalse(scanner.active());
        assertEquals(0, parts.gauges.damagedSkipped());
    }
}
