package io.sluice.spill;

import net.openhft.chronicle.core.time.SetTimeProvider;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpillStoreQuotaTest
{
    private static final long QUOTA = 4L << 20;

    @TempDir
    Path dir;

    private final SetTimeProvider time = SpillTests.clock();
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[4096]);

    private long allocated()
    {
        try
        {
            return FileSizes.allocatedInDirectory(dir);
        }
        catch (final java.io.IOException e)
        {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Appends 1 KiB frames until refused, checking the real allocation after every append. */
    private long fill(final SpillStore store, final long firstSequence)
    {
        long sequence = firstSequence;
        while (true)
        {
            final int length = TestFrames.write(frame, 0, sequence, 1024 - 32);
            final long backlogBefore = store.backlogMessages();
            final int status = store.append(frame, 0, length);
            final long disk = allocated();
            assertTrue(disk <= QUOTA, () -> "disk use " + disk + " above quota: " + SpillTests.listing(dir));
            assertEquals(disk, store.diskBytes(), "diskBytes() is the allocation of the directory's files");
            if (status != SpillStore.OK)
            {
                assertEquals(SpillStore.QUOTA_EXCEEDED, status);
                assertEquals(backlogBefore, store.backlogMessages(), "a refused append adds nothing");
                assertEquals(disk, allocated(), "a refused append writes nothing");
                // Refusals are stable: the next one is refused too.
                assertEquals(SpillStore.QUOTA_EXCEEDED, store.append(frame, 0, length));
                return sequence - firstSequence;
            }
            sequence++;
        }
    }

    private long drain(final SpillStore store, final long firstSequence)
    {
        final long[] next = {firstSequence};
        while (store.read((buffer, offset, length) ->
            assertEquals(next[0]++, TestFrames.verify(buffer, offset, length)), 256) > 0)
        {
            // drain
        }
        return next[0] - firstSequence;
    }

    @Test
    void appendsAreRefusedBeforeTheQuotaAndAcceptedAgainOnceDrained()
    {
        final SpillConfig config =
            SpillConfig.of(dir, QUOTA).withFreeSpaceMarginBytes(16L << 20).withTimeProvider(time);
        try (SpillStore store = SpillStore.open(config))
        {
            final long first = fill(store, 0);
            // Chronicle's per-file overhead (header, index pages) and our reserve for the next file and index block
            // cost a little; most of the quota holds frames.
            assertTrue(first * 1024 > QUOTA * 3 / 4, "frames accepted: " + first);
            assertEquals(first, store.backlogMessages());
            assertEquals(first * 1024, store.backlogBytes());

            assertEquals(first, drain(store, 0));
            assertTrue(store.isEmpty());
            assertTrue(store.diskBytes() < SpillTests.DRAINED_DISK_BOUND,
                () -> "drained store still holds " + SpillTests.listing(dir));

            // Roll the cycle: appends go to a new file and the previous one is deleted once read.
            time.advanceMillis(config.rollCycle().lengthInMillis());
            final long second = fill(store, first);
            assertTrue(second >= first * 95 / 100,
                "after draining the quota holds as much again: " + second + " vs " + first);
            assertEquals(second, drain(store, first));
            assertTrue(store.diskBytes() < SpillTests.DRAINED_DISK_BOUND, () -> SpillTests.listing(dir));
            assertEquals(0, store.damagedSkipped());
        }
    }

    @Test
    void quotaHoldsAcrossRestartsWithABacklog()
    {
        final SpillConfig config =
            SpillConfig.of(dir, QUOTA).withFreeSpaceMarginBytes(16L << 20).withTimeProvider(time);
        final long filled;
        try (SpillStore store = SpillStore.open(config))
        {
            filled = fill(store, 0);
        }
        try (SpillStore store = SpillStore.open(config))
        {
            assertTrue(store.diskBytes() <= QUOTA, () -> SpillTests.listing(dir));
            assertEquals(0, fill(store, filled), "still full after a restart");
            assertEquals(filled, drain(store, 0));
            assertTrue(fill(store, filled) > 0);
        }
    }
}
