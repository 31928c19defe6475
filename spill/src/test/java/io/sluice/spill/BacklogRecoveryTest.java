package io.sluice.spill;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Drives open-time recovery directly over files a store wrote: 5 frames, 2 of them consumed. */
class BacklogRecoveryTest
{
    private static final int FRAMES = 5;

    @TempDir
    Path dir;

    private int frameLength;
    private long lastIndex;
    private StoreParts parts;
    private SpillPositions positions;
    private SpillGauges gauges;
    private SpillReader reader;

    @BeforeEach
    void writeFrames()
    {
        final SpillConfig config = SpillConfig.of(dir, 64L << 20).withFreeSpaceMarginBytes(16L << 20)
            .withTimeProvider(SpillTests.clock());
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[256]);
        try (SpillStore store = SpillStore.open(config))
        {
            for (int i = 0; i < FRAMES; i++)
            {
                frameLength = TestFrames.write(frame, 0, i, 64);
                store.append(frame, 0, frameLength);
            }
            assertEquals(2, store.read((buffer, offset, length) -> {}, 2));
        }
        parts = new StoreParts(dir, config);
        positions = parts.positions;
        gauges = parts.gauges;
        reader = parts.reader;
        lastIndex = positions.lastIndex();
    }

    @AfterEach
    void close()
    {
        parts.close();
    }

    private BacklogRecovery recovery()
    {
        final int[] cycles = parts.cycleFiles.list();
        return new BacklogRecovery(dir, parts.queue, parts.cycleFiles, positions, gauges, reader, parts.maxRecordLength,
            cycles[cycles.length - 1]);
    }

    @Test
    void findsTheEndTheBacklogAndNoDamage()
    {
        final BacklogRecovery recovery = recovery();
        assertEquals(lastIndex, recovery.recoverAppendEnd());
        assertEquals((long)FRAMES * frameLength, gauges.appendEnd());
        assertEquals(FRAMES - 2, recovery.countBacklog(lastIndex));
        gauges.backlogMessages(FRAMES - 2);
        reader.initialReadOffset();
        assertEquals(2L * frameLength, gauges.readOffset());
        assertEquals(0, recovery.surveyDamage());
    }

    @Test
    void recoverTakesTheStepsInOrder()
    {
        assertEquals(0, recovery().recover());
        assertEquals(FRAMES - 2, gauges.backlogMessages());
        assertEquals((long)FRAMES * frameLength, gauges.appendEnd());
        assertEquals(2L * frameLength, gauges.readOffset());
        assertEquals((FRAMES - 2L) * frameLength, gauges.backlogBytes());
    }

    @Test
    void hintsThatLagACrashByOneRecordAreCorrectedFromTheRecords()
    {
        positions.lastIndex(lastIndex - 1);
        positions.appendEnd((FRAMES - 1L) * frameLength);
        assertEquals(lastIndex, recovery().recoverAppendEnd());
        assertEquals((long)FRAMES * frameLength, gauges.appendEnd());
    }
}
