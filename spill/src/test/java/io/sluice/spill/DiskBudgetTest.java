package io.sluice.spill;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static io.sluice.spill.DiskBudget.DISK_FULL;
import static io.sluice.spill.DiskBudget.OK;
import static io.sluice.spill.DiskBudget.PAGE;
import static io.sluice.spill.DiskBudget.QUOTA_EXCEEDED;
import static org.junit.jupiter.api.Assertions.assertEquals;

class DiskBudgetTest
{
    private static final int INDEX_COUNT = 1024;
    private static final long INDEX_RESERVE = 2L * INDEX_COUNT * Long.BYTES + PAGE;
    private static final long NEW_FILE_RESERVE = 2L * INDEX_COUNT * Long.BYTES + 16 * PAGE;
    private static final long MAPPED = 8L << 20;
    private static final long MARGIN = 64L << 20;
    private static final long DOC = 1000;
    /** What an append of DOC bytes that starts no file is charged on a file system with sparse files. */
    private static final long APPEND_NEED = DOC + PAGE + INDEX_RESERVE + NEW_FILE_RESERVE;

    private final FakeFileStore disk = new FakeFileStore();

    /** A budget that has read the usable space once, at time 0, as the store's open does. */
    private DiskBudget budget(final long quota)
    {
        final DiskBudget budget = new DiskBudget(Path.of("spill"), disk, quota, MARGIN, INDEX_COUNT, MAPPED);
        budget.refreshUsableSpace(0);
        return budget;
    }

    @Test
    void appendFitsTheQuotaExactlyWithItsReserves()
    {
        disk.usable = 1L << 40;
        final long used = 300_000;
        assertEquals(OK, budget(used + APPEND_NEED).admit(used, true, DOC, false, 0));
        assertEquals(QUOTA_EXCEEDED, budget(used + APPEND_NEED - 1).admit(used, true, DOC, false, 0));
    }

    @Test
    void rollAndDenseFilesAreChargedMore()
    {
        disk.usable = 1L << 40;
        final DiskBudget budget = budget(APPEND_NEED + NEW_FILE_RESERVE + MAPPED);
        assertEquals(OK, budget.admit(0, true, DOC, true, 0));
        assertEquals(OK, budget.admit(0, false, DOC, false, 0));
        assertEquals(OK, budget.admit(0, false, DOC, true, 0));
        assertEquals(QUOTA_EXCEEDED, budget.admit(1, false, DOC, true, 0));
    }

    @Test
    void emptyRollNeedsNoRoomForAFurtherFile()
    {
        disk.usable = 1L << 40;
        final long rollNeed = PAGE + INDEX_RESERVE + NEW_FILE_RESERVE;
        assertEquals(OK, budget(rollNeed).admit(0, true, 0, true, 0));
        assertEquals(QUOTA_EXCEEDED, budget(rollNeed - 1).admit(0, true, 0, true, 0));
    }

    @Test
    void quotaCanBeChangedAndNeverGoesNegative()
    {
        disk.usable = 1L << 40;
        final DiskBudget budget = budget(1L << 30);
        budget.quotaBytes(APPEND_NEED - 1);
        assertEquals(APPEND_NEED - 1, budget.quotaBytes());
        assertEquals(QUOTA_EXCEEDED, budget.admit(0, true, DOC, false, 0));
        budget.quotaBytes(-5);
        assertEquals(0, budget.quotaBytes());
    }

    @Test
    void diskIsFullWhenTheWriteWouldEatIntoTheMarginOrTheReserve()
    {
        disk.usable = MARGIN + APPEND_NEED;
        final DiskBudget budget = budget(1L << 40);
        assertEquals(OK, budget.admit(0, true, DOC, false, 0));
        assertEquals(DISK_FULL, budget.admit(0, true, DOC, true, 0), "a roll is charged a new file too");
        budget.reserveBytes(1);
        assertEquals(DISK_FULL, budget.admit(0, true, DOC, false, 0));
        budget.reserveBytes(-1);
        assertEquals(OK, budget.admit(0, true, DOC, false, 0));
    }

    @Test
    void usableSpaceIsReadAgainOnlyWhenStale()
    {
        disk.usable = 1L << 30;
        final DiskBudget budget = budget(1L << 40);
        assertEquals(1, disk.reads);

        assertEquals(OK, budget.admit(0, true, DOC, false, 50));
        assertEquals(1, disk.reads, "fresh within the interval and the bytes written");

        assertEquals(OK, budget.admit(0, true, DOC, true, 50));
        assertEquals(2, disk.reads, "every roll reads it");

        assertEquals(OK, budget.admit(0, true, DOC, false, 50 + DiskBudget.FREE_CHECK_MILLIS));
        assertEquals(3, disk.reads, "stale after the interval");

        assertEquals(OK, budget.admit(0, true, DOC, false, 10));
        assertEquals(4, disk.reads, "a clock that went back makes it stale");

        budget.onWritten(DiskBudget.FREE_CHECK_BYTES);
        assertEquals(OK, budget.admit(0, true, DOC, false, 10));
        assertEquals(5, disk.reads, "stale after enough bytes written");
    }

    @Test
    void bytesWrittenSinceTheLastReadingCountAgainstTheMargin()
    {
        disk.usable = MARGIN + APPEND_NEED + 100;
        final DiskBudget budget = budget(1L << 40);
        assertEquals(OK, budget.admit(0, true, DOC, false, 1));
        budget.onWritten(101);
        assertEquals(DISK_FULL, budget.admit(0, true, DOC, false, 2));
        assertEquals(1, disk.reads);
    }

    @Test
    void unreadableUsableSpaceRefusesWrites()
    {
        disk.usable = 1L << 30;
        disk.failure = new IOException("statvfs failed");
        final DiskBudget budget = budget(1L << 40);
        assertEquals(DISK_FULL, budget.admit(0, true, DOC, true, 0));
        assertEquals(0, budget.usableSpace());
        assertEquals(MARGIN, budget.freeSpaceMarginBytes());
    }

    /** A file system whose usable space the test sets, counting how often it is read. */
    private static final class FakeFileStore extends SmallFileSystem
    {
        long usable;
        int reads;
        IOException failure;

        FakeFileStore()
        {
            super(Path.of("unused"), 1L << 40);
        }

        @Override
        public long getUsableSpace() throws IOException
        {
            reads++;
            if (failure != null)
            {
                throw failure;
            }
            return usable;
        }
    }
}
