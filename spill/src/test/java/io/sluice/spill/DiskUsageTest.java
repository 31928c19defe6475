package io.sluice.spill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static io.sluice.spill.FileSizes.allocated;
import static org.junit.jupiter.api.Assertions.assertEquals;

class DiskUsageTest
{
    @TempDir
    Path dir;

    @Test
    void beforeTheFirstMeasureDiskBytesReadsTheWholeDirectory() throws IOException
    {
        write("a.cq4", 10_000);
        write("metadata.cq4t", 5_000);
        final DiskUsage usage = new DiskUsage(dir, dir.resolve("metadata.cq4t"));
        assertEquals(FileSizes.allocatedInDirectory(dir), usage.diskBytes());
    }

    @Test
    void estimateIsTheMeasureThenGrowsByAppendsUntilTheNextSync() throws IOException
    {
        final Path sealed = write("1.cq4", 40_000);
        final Path metadata = write("metadata.cq4t", 8_000);
        final Path current = write("2.cq4", 12_000);
        Files.createDirectory(dir.resolve("scratch"));
        final DiskUsage usage = new DiskUsage(dir, metadata);
        usage.currentFile(current);
        usage.remeasure();
        final long measured = allocated(sealed) + allocated(metadata) + allocated(current);
        assertEquals(measured, usage.estimate());
        assertEquals(measured, usage.diskBytes());

        usage.onAppended(100);
        assertEquals(measured + 100, usage.estimate(), "no stat(2) until enough is appended");

        write("2.cq4", 2 * 12_000 + (int)DiskUsage.SYNC_BYTES);
        usage.onAppended(DiskUsage.SYNC_BYTES);
        assertEquals(allocated(sealed) + allocated(metadata) + allocated(current), usage.estimate(),
            "measured again: the current file and the metadata");
    }

    @Test
    void sealedFilesAreMeasuredOnlyAtRemeasure() throws IOException
    {
        final Path metadata = write("metadata.cq4t", 4096);
        final Path current = write("2.cq4", 4096);
        final DiskUsage usage = new DiskUsage(dir, metadata);
        usage.currentFile(current);
        usage.remeasure();
        final long before = usage.diskBytes();

        final Path added = write("3.cq4", 64 * 1024);
        assertEquals(before, usage.diskBytes(), "a file not measured yet is not seen between remeasures");
        usage.remeasure();
        assertEquals(before + allocated(added), usage.diskBytes());
    }

    private Path write(final String name, final int length) throws IOException
    {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte)1);
        return Files.write(dir.resolve(name), bytes);
    }
}
