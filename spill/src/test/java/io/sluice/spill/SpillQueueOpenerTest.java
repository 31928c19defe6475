package io.sluice.spill;

import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What a store's opening takes from its queue: the longest record it writes, and the disk budget. */
class SpillQueueOpenerTest
{
    private static final int FRAME = 64 * 1024;

    @TempDir
    Path dir;

    private SingleChronicleQueue queue;

    private SpillConfig config()
    {
        return SpillConfig.of(dir, 64L << 20).withMaxFrameLength(FRAME)
            .withBlockSize(SpillConfig.minimumBlockSize(FRAME)).withTimeProvider(SpillTests.clock());
    }

    private SingleChronicleQueue queue(final SpillConfig config)
    {
        queue = SpillQueueOpener.newQueue(dir, config, new SegmentClock(config.timeProvider()));
        return queue;
    }

    @AfterEach
    void close()
    {
        if (queue != null)
        {
            queue.close();
        }
        BackgroundResourceReleaser.releasePendingResources();
    }

    @Test
    void theLongestRecordIsTheLargestFrameBehindTheRecordHeader()
    {
        final SpillConfig config = config();
        final int longest = SpillQueueOpener.maxRecordLength(queue(config), config);
        assertEquals(FRAME + SpillRecordDescriptor.HEADER_LENGTH, longest);
    }

    @Test
    void framesTheQueuesBlocksCannotHoldAreRefused()
    {
        final SingleChronicleQueue small = queue(config());
        final SpillConfig larger = config().withMaxFrameLength(16 * FRAME);
        assertThrows(IllegalArgumentException.class, () -> SpillQueueOpener.maxRecordLength(small, larger));
    }

    @Test
    void theBudgetTakesTheConfiguredFileSystemQuotaAndMargin() throws IOException
    {
        final SpillConfig config = config().withFileStore(new SmallFileSystem(dir, 160L << 20));
        final DiskBudget budget = DiskBudget.forStore(dir, config, queue(config));
        assertEquals(64L << 20, budget.quotaBytes());
        assertEquals(10L << 20, budget.freeSpaceMarginBytes(), "a sixteenth of a 160 MiB file system");
    }
}
