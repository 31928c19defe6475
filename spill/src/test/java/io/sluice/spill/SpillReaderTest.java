package io.sluice.spill;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Drives the read side directly over records a store wrote, without the store. */
class SpillReaderTest
{
    private static final int FRAMES = 5;

    @TempDir
    Path dir;

    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[256]);
    private final List<Long> sequences = new ArrayList<>();
    private int frameLength;
    private SpillConfig config;
    private StoreParts parts;
    private SpillPositions positions;
    private SpillGauges gauges;
    private SpillReader reader;

    @BeforeEach
    void writeFramesAndOpenReader()
    {
        config = SpillConfig.of(dir, 64L << 20).withFreeSpaceMarginBytes(16L << 20)
            .withTimeProvider(SpillTests.clock());
        try (SpillStore store = SpillStore.open(config))
        {
            for (int i = 0; i < FRAMES; i++)
            {
                frameLength = TestFrames.write(frame, 0, i, 64);
                assertEquals(SpillStore.OK, store.append(frame, 0, frameLength));
            }
        }
        parts = new StoreParts(dir, config);
        positions = parts.positions;
        gauges = parts.gauges;
        reader = parts.reader;
        gauges.appendEnd(positions.appendEnd());
        gauges.backlogMessages(FRAMES);
        reader.initialReadOffset();
    }

    @AfterEach
    void close()
    {
        parts.close();
    }

    private int read(final int limit, final long byteLimit)
    {
        return reader.read((buffer, offset, length) -> sequences.add(TestFrames.verify(buffer, offset, length)),
            limit, byteLimit, Integer.MAX_VALUE);
    }

    @Test
    void deliversInOrderAndStoresThePositionAfterEachFrame()
    {
        assertEquals(0, gauges.readOffset());
        assertEquals(2, read(2, Long.MAX_VALUE));
        assertEquals(List.of(0L, 1L), sequences);
        assertEquals(2L * frameLength, positions.readOffset());
        assertEquals(2L * frameLength, gauges.readOffset());
        assertEquals(FRAMES - 2, gauges.backlogMessages());
        assertFalse(reader.drained());

        assertEquals(3, read(10, Long.MAX_VALUE));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), sequences);
        assertTrue(reader.drained());
        assertEquals(0, gauges.backlogMessages());
        assertEquals(0, gauges.damagedBytes());
    }

    @Test
    void byteLimitStopsBeforeTheFrameThatWouldPassIt()
    {
        assertEquals(1, read(10, 1), "the first frame goes whatever the limit");
        assertEquals(2, read(10, 2L * frameLength + frameLength - 1));
        assertEquals(List.of(0L, 1L, 2L), sequences);
        assertFalse(reader.drained());
    }

    @Test
    void frameWhoseHandlerThrowsIsNotConsumed()
    {
        assertThrows(IllegalStateException.class, () -> reader.read((buffer, offset, length) ->
        {
            throw new IllegalStateException("handler failed");
        }, 1, Long.MAX_VALUE, Integer.MAX_VALUE));
        assertEquals(FRAMES, gauges.backlogMessages());
        assertEquals(1, read(1, Long.MAX_VALUE));
        assertEquals(List.of(0L), sequences);
    }
}
