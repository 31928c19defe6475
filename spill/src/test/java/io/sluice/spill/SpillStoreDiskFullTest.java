package io.sluice.spill;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpillStoreDiskFullTest
{
    private static final long MARGIN = 1L << 20;

    @TempDir
    Path dir;

    private static int run(final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    /**
     * A 64 MiB file system, a quota of 1 GiB: the store keeps a sixteenth of the file system free (4 MiB), not the
     * default 64 MiB margin, which would have refused every append.
     */
    @Test
    void marginScalesWithASmallFileSystem()
    {
        final SpillConfig config = SpillConfig.of(dir.resolve("lane"), 1L << 30).withMaxFrameLength(64 * 1024)
            .withFileStore(new SmallFileSystem(dir, 64L << 20)).withTimeProvider(SpillTests.clock());
        assertEquals(4L << 20, config.freeSpaceMarginFor(64L << 20));
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[32 * 1024]);
        long appended = 0;
        int status;
        try (SpillStore store = SpillStore.open(config))
        {
            assertEquals(4L << 20, store.freeSpaceMarginBytes());
            while ((status = store.append(frame, 0, TestFrames.write(frame, 0, appended, 32 * 1024 - 32)))
                == SpillStore.OK)
            {
                appended++;
            }
            assertEquals(SpillStore.DISK_FULL, status);
            assertEquals(SpillStore.DISK_FULL, store.room(32 * 1024), "room() says what append would");
            assertTrue(appended * 32 * 1024 > 50L << 20, "most of the 64 MiB holds frames: " + appended + " frames");
            final long[] next = {0};
            while (store.read((b, o, l) -> assertEquals(next[0]++, TestFrames.verify(b, o, l)), 100) > 0)
            {
                // drain
            }
            assertEquals(appended, next[0]);
            assertEquals(SpillStore.OK, store.room(1000), "space is back once drained");
        }
    }

    /** A reserve keeps free space beyond the margin until the write it was kept for (the relay's close hand-over). */
    @Test
    void aReserveKeepsRoomForALaterWrite() throws Exception
    {
        final SmallFileSystem fileSystem = new SmallFileSystem(dir, 64L << 20);
        final SpillConfig config = SpillConfig.of(dir.resolve("lane"), 1L << 30).withMaxFrameLength(64 * 1024)
            .withFileStore(fileSystem).withTimeProvider(SpillTests.clock());
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[32 * 1024]);
        try (SpillStore store = SpillStore.open(config))
        {
            store.reserveBytes(16L << 20);
            long appended = 0;
            while (store.append(frame, 0, TestFrames.write(frame, 0, appended, 32 * 1024 - 32)) == SpillStore.OK)
            {
                appended++;
            }
            assertTrue(fileSystem.getUsableSpace() >= (4L + 16 - 2) << 20,
                "the margin and the reserve stay free: " + fileSystem.getUsableSpace());
            store.reserveBytes(0);
            final long before = appended;
            while (store.append(frame, 0, TestFrames.write(frame, 0, appended, 32 * 1024 - 32)) == SpillStore.OK)
            {
                appended++;
            }
            assertTrue((appended - before) * 32 * 1024 >= 14L << 20, "the reserve took " + (appended - before));
            final long[] next = {0};
            while (store.read((b, o, l) -> assertEquals(next[0]++, TestFrames.verify(b, o, l)), 100) > 0)
            {
                // every frame, in order
            }
            assertEquals(appended, next[0]);
        }
    }

    @Test
    void theMarginRule()
    {
        final SpillConfig config = SpillConfig.of(dir, 1L << 30);
        assertEquals(64L << 20, config.freeSpaceMarginFor(1L << 40), "large: the configured 64 MiB");
        assertEquals(64L << 20, config.freeSpaceMarginFor(1L << 30), "1 GiB: a sixteenth is 64 MiB");
        assertEquals(10L << 20, config.freeSpaceMarginFor(160L << 20), "160 MiB: a sixteenth");
        assertEquals(4L << 20, config.freeSpaceMarginFor(32L << 20), "small: at least 4 MiB");
        assertEquals(1L << 20, config.withFreeSpaceMarginBytes(1L << 20).freeSpaceMarginFor(32L << 20),
            "never more than configured");
    }

    /**
     * On an 8 MiB tmpfs with a quota far above it, appends stop with DISK_FULL while the margin is still free: the JVM
     * never touches a page the file system cannot back (that would be SIGBUS, killing this test JVM).
     */
    @Test
    void smallFileSystemRefusesInsteadOfCrashing() throws Exception
    {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mounting tmpfs needs root");
        final Path mount = Files.createDirectory(dir.resolve("tmpfs"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mount.toString()) == 0,
            "mount -t tmpfs failed (no CAP_SYS_ADMIN in this container?)");
        try
        {
            final SpillConfig config = SpillConfig.of(mount.resolve("lane"), 64L << 20)
                .withFreeSpaceMarginBytes(MARGIN)
                .withMaxFrameLength(64 * 1024)
                .withTimeProvider(SpillTests.clock());
            final UnsafeBuffer frame = new UnsafeBuffer(new byte[2048]);
            long appended = 0;
            int status;
            try (SpillStore store = SpillStore.open(config))
            {
                while ((status = store.append(frame, 0, TestFrames.write(frame, 0, appended, 1000))) == SpillStore.OK)
                {
                    appended++;
                }
                assertEquals(SpillStore.DISK_FULL, status, "the file system fills before the 64 MiB quota");
                final long usable = Files.getFileStore(mount).getUsableSpace();
                System.out.printf(
                    "8 MiB tmpfs: %d frames of 1032 bytes appended, then DISK_FULL with %d bytes usable%n",
                    appended, usable);
                assertTrue(usable >= MARGIN, "refused with " + usable + " bytes usable, margin " + MARGIN);
                assertTrue(appended * 1032 > 4L << 20, "most of the 8 MiB held frames: " + appended);
                assertEquals(SpillStore.DISK_FULL, store.append(frame, 0, TestFrames.write(frame, 0, appended, 1000)));

                final long[] next = {0};
                while (store.read((b, o, l) -> assertEquals(next[0]++, TestFrames.verify(b, o, l)), 1000) > 0)
                {
                    // drain
                }
                assertEquals(appended, next[0]);
                assertTrue(store.diskBytes() < SpillTests.DRAINED_DISK_BOUND,
                    () -> SpillTests.listing(mount.resolve("lane")));
                assertEquals(SpillStore.OK, store.append(frame, 0, TestFrames.write(frame, 0, appended, 1000)),
                    "space is back once drained");
            }
        }
        finally
        {
            assertEquals(0, run("umount", mount.toString()), "umount");
        }
    }
}
