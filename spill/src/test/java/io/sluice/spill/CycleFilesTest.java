package io.sluice.spill;

import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.sluice.spill.CycleFiles.NO_CYCLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CycleFilesTest
{
    private static final int FIRST = 5_666_000;

    @TempDir
    Path dir;

    private CycleFiles cycles()
    {
        return new CycleFiles(dir, RollCycles.FIVE_MINUTELY, 0);
    }

    @Test
    void namesFilesAsChronicleDoes()
    {
        // Cycle 0 of a five-minutely roll starts at the epoch, 1970-01-01 00:00 UTC; Chronicle marks the format with V.
        assertEquals(dir.resolve("19700101-0000V.cq4"), cycles().file(0));
        assertEquals(dir.resolve("19700101-0005V.cq4"), cycles().file(1));
    }

    @Test
    void listsExistingCyclesInOrderIgnoringOtherFiles() throws IOException
    {
        final CycleFiles cycles = cycles();
        assertArrayEquals(new int[0], cycles.list());
        touch(cycles.file(FIRST + 7));
        touch(cycles.file(FIRST));
        touch(cycles.file(FIRST + 3));
        touch(dir.resolve("metadata.cq4t"));
        touch(dir.resolve("notacycle.cq4"));
        touch(dir.resolve(SpillStore.LOCK_FILE_NAME));

        assertArrayEquals(new int[] {FIRST, FIRST + 3, FIRST + 7}, cycles.list());
        assertEquals(FIRST, cycles.firstAfter(FIRST - 100));
        assertEquals(FIRST + 3, cycles.firstAfter(FIRST));
        assertEquals(FIRST + 7, cycles.firstAfter(FIRST + 4));
        assertEquals(NO_CYCLE, cycles.firstAfter(FIRST + 7));
    }

    @Test
    void deletesOnlyCyclesBeforeTheOneKept() throws IOException
    {
        final CycleFiles cycles = cycles();
        touch(cycles.file(FIRST));
        touch(cycles.file(FIRST + 1));
        touch(cycles.file(FIRST + 2));
        touch(dir.resolve("metadata.cq4t"));

        assertTrue(cycles.deleteBefore(FIRST + 2));
        assertArrayEquals(new int[] {FIRST + 2}, cycles.list());
        assertTrue(Files.exists(dir.resolve("metadata.cq4t")));
        assertFalse(cycles.deleteBefore(FIRST + 2), "nothing left to delete");
    }

    @Test
    void readsTheCycleOfAFileChronicleSetAside()
    {
        final CycleFiles cycles = cycles();
        final String name = cycles.file(FIRST).getFileName() + "-1700000000000.discard";
        assertEquals(FIRST, cycles.cycleOfSetAside(name));
        assertEquals(NO_CYCLE, cycles.cycleOfSetAside("metadata.cq4t-1700000000000.discard"));
        assertEquals(NO_CYCLE, cycles.cycleOfSetAside("garbage.discard"));
    }

    private static void touch(final Path file) throws IOException
    {
        Files.write(file, new byte[] {1});
    }
}
