package io.sluice.spill;

import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.sluice.spill.PageCacheAdvice.WARM_APPEND_BYTES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PageCacheAdviceTest
{
    private static final int FIRST = 5_666_000;

    @TempDir
    Path dir;

    private CycleFiles cycles;
    private PageCacheAdvice advice;

    @BeforeEach
    void files() throws IOException
    {
        assumeTrue(PageCache.available(), "posix_fadvise through JNA (64-bit Linux)");
        cycles = new CycleFiles(dir, RollCycles.FIVE_MINUTELY, 0);
        for (int cycle = FIRST; cycle <= FIRST + 3; cycle++)
        {
            Files.write(cycles.file(cycle), new byte[8192]);
        }
        advice = new PageCacheAdvice(cycles);
    }

    @Test
    void advisesTheFilesBetweenTheReaderAndTheAppenderOncePerAppend()
    {
        assertEquals(0, advice.dropCachedPages(true, FIRST, FIRST + 3, 1000), "nothing appended yet");
        advice.onAppended(100);
        assertEquals(2, advice.dropCachedPages(true, FIRST, FIRST + 3, 1000),
            "FIRST+1 and FIRST+2; the warm end stays");
        assertEquals(0, advice.dropCachedPages(true, FIRST, FIRST + 3, 1000), "nothing appended since");
    }

    @Test
    void appendFileIsAdvisedOnlyBeyondItsWarmEnd()
    {
        advice.onAppended(100);
        assertEquals(3, advice.dropCachedPages(true, FIRST, FIRST + 3, WARM_APPEND_BYTES + 4096));
    }

    @Test
    void readerThatHasNotStartedIsInTheFirstFile()
    {
        advice.onAppended(100);
        assertEquals(2, advice.dropCachedPages(false, CycleFiles.NO_CYCLE, FIRST + 3, 0));
    }

    @Test
    void readerInTheAppendFileOrNoAppendFileMeansNoAdvice()
    {
        advice.onAppended(100);
        assertEquals(0, advice.dropCachedPages(true, FIRST + 3, FIRST + 3, WARM_APPEND_BYTES * 2));
        advice.onAppended(100);
        assertEquals(0, advice.dropCachedPages(true, FIRST, CycleFiles.NO_CYCLE, 0));
    }
}
