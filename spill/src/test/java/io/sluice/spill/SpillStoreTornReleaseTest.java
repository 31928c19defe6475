package io.sluice.spill;

import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.core.values.LongValue;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A kill between the writes of one release: the table store is left with every prefix of the writes of a release
 * ({@code ReleasedPosition} gives their order), and each reopens at the record of the tag it reports.
 */
class SpillStoreTornReleaseTest
{
    private static final int RECORDS = 10;
    private static final int FRAME_LENGTH = 256;

    @TempDir
    Path dir;

    private final SetTimeProvider time = SpillTests.clock();
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[FRAME_LENGTH]);

    private SpillConfig config()
    {
        return SpillConfig.of(dir, 64L << 20).withFreeSpaceMarginBytes(16L << 20).withTimeProvider(time)
            .withAcknowledgedReads(true);
    }

    private static String[] keys()
    {
        final List<String> keys = new ArrayList<>();
        keys.add(ReleasedPosition.GENERATION_KEY);
        for (int slot = 0; slot < 2; slot++)
        {
            keys.add(ReleasedPosition.KEY_PREFIX + slot + ".index");
            keys.add(ReleasedPosition.KEY_PREFIX + slot + ".offset");
            keys.add(ReleasedPosition.KEY_PREFIX + slot + ".tag");
        }
        keys.add(SpillPositions.READ_INDEX_KEY);
        keys.add(SpillPositions.READ_OFFSET_KEY);
        return keys.toArray(new String[0]);
    }

    /** The writes of release number {@code generation}, in the order it makes them. */
    private static String[] writeOrder(final long generation)
    {
        final String slot = ReleasedPosition.KEY_PREFIX + (generation & 1);
        return new String[] {slot + ".index", slot + ".offset", slot + ".tag", ReleasedPosition.GENERATION_KEY,
            SpillPositions.READ_INDEX_KEY, SpillPositions.READ_OFFSET_KEY};
    }

    private Map<String, Long> snapshot()
    {
        final Map<String, Long> values = new LinkedHashMap<>();
        try (StoreParts parts = new StoreParts(dir, config()))
        {
            for (final String key : keys())
            {
                try (LongValue value = parts.queue.metaStore().acquireValueFor(key, SpillPositions.UNSET))
                {
                    values.put(key, value.getVolatileValue());
                }
            }
        }
        return values;
    }

    private void write(final Map<String, Long> values)
    {
        try (StoreParts parts = new StoreParts(dir, config()))
        {
            for (final Map.Entry<String, Long> entry : values.entrySet())
            {
                try (LongValue value = parts.queue.metaStore().acquireValueFor(entry.getKey(), SpillPositions.UNSET))
                {
                    value.setOrderedValue(entry.getValue());
                }
            }
        }
    }

    private static List<Long> readAll(final SpillStore store)
    {
        final List<Long> sequences = new ArrayList<>();
        while (store.read((buffer, offset, length) -> sequences.add(TestFrames.verify(buffer, offset, length)), 100)
            > 0)
        {
            // until empty
        }
        return sequences;
    }

    @Test
    void everyPrefixOfAReleasesWritesReopensAtTheRecordOfItsTag()
    {
        try (SpillStore store = SpillStore.open(config()))
        {
            for (int seq = 0; seq < RECORDS; seq++)
            {
                assertEquals(SpillStore.OK, store.append(frame, 0, TestFrames.write(frame, 0, seq, FRAME_LENGTH - 32)));
            }
            assertEquals(RECORDS, readAll(store).size());
            store.release(3, 3);
        }
        final Map<String, Long> before = snapshot();
        try (SpillStore store = SpillStore.open(config()))
        {
            assertEquals(RECORDS - 3, readAll(store).size());
            store.release(4, 7);
        }
        final Map<String, Long> after = snapshot();
        final long generation = after.get(ReleasedPosition.GENERATION_KEY);
        assertEquals(before.get(ReleasedPosition.GENERATION_KEY) + 1, generation);

        final String[] order = writeOrder(generation);
        for (int written = 0; written <= order.length; written++)
        {
            final Map<String, Long> torn = new LinkedHashMap<>(before);
            for (int i = 0; i < written; i++)
            {
                torn.put(order[i], after.get(order[i]));
            }
            write(torn);
            // Until the generation is written the release did not happen; from then on it did, whole.
            final long tag = written > 3 ? 7 : 3;
            final int state = written;
            try (SpillStore store = SpillStore.open(config()))
            {
                assertEquals(tag, store.releasedTag(), () -> state + " writes made");
                assertEquals(RECORDS - tag, store.backlogMessages(), () -> state + " writes made");
                assertEquals((RECORDS - tag) * FRAME_LENGTH, store.backlogBytes(), () -> state + " writes made");
                final List<Long> read = readAll(store);
                assertEquals(RECORDS - tag, read.size(), () -> state + " writes made: " + read);
                for (int i = 0; i < read.size(); i++)
                {
                    assertEquals(tag + i, read.get(i), () -> state + " writes made: " + read);
                }
                assertEquals(0, store.damagedBytes(), () -> state + " writes made: the offset chain holds");
                assertEquals(0, store.damagedSkipped());
            }
        }
    }
}
