package io.sluice.spill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpillDirectoryLockTest
{
    @TempDir
    Path dir;

    @Test
    void secondLockOnTheSameDirectoryIsRefusedUntilTheFirstCloses() throws IOException
    {
        final SpillDirectoryLock first = SpillDirectoryLock.acquire(dir);
        assertTrue(Files.exists(dir.resolve(SpillStore.LOCK_FILE_NAME)));
        final IllegalStateException refused =
            assertThrows(IllegalStateException.class, () -> SpillDirectoryLock.acquire(dir));
        assertTrue(refused.getMessage().contains("already open"), refused.getMessage());
        first.close();

        try (SpillDirectoryLock again = SpillDirectoryLock.acquire(dir))
        {
            assertTrue(Files.exists(dir.resolve(SpillStore.LOCK_FILE_NAME)), "the lock file stays for the next store");
        }
    }

    @Test
    void locksOnOtherDirectoriesAreIndependent() throws IOException
    {
        final Path other = Files.createDirectory(dir.resolve("other"));
        try (SpillDirectoryLock a = SpillDirectoryLock.acquire(dir);
            SpillDirectoryLock b = SpillDirectoryLock.acquire(other))
        {
            assertThrows(IllegalStateException.class, () -> SpillDirectoryLock.acquire(other));
        }
    }

    @Test
    void refusedWhileAStoreHoldsTheDirectory() throws IOException
    {
        final SpillConfig config = SpillConfig.of(dir, 64L << 20).withFreeSpaceMarginBytes(16L << 20)
            .withTimeProvider(SpillTests.clock());
        try (SpillStore store = SpillStore.open(config))
        {
            assertThrows(IllegalStateException.class, () -> SpillDirectoryLock.acquire(dir));
        }
        SpillDirectoryLock.acquire(dir).close();
    }

    @Test
    void missingDirectoryIsAnIoFailure()
    {
        assertThrows(IOException.class, () -> SpillDirectoryLock.acquire(dir.resolve("absent")));
    }
}
