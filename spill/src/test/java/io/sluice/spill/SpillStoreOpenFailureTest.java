package io.sluice.spill;

import net.openhft.chronicle.core.io.IORuntimeException;
import net.openhft.chronicle.core.time.SetTimeProvider;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Opening a store whose metadata cannot be read: a failure of the moment (too many open files, the table-store lock
 * held elsewhere) leaves the metadata and its read position alone, so a later open resumes where reading stopped;
 * only a damaged metadata file is replaced (then the undeleted frames come again).
 */
class SpillStoreOpenFailureTest
{
    @TempDir
    Path dir;

    private final SetTimeProvider time = SpillTests.clock();
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[1024]);

    private SpillConfig config()
    {
        return SpillConfig.of(dir, 64L << 20).withFreeSpaceMarginBytes(16L << 20).withTimeProvider(time);
    }

    /** 100 frames appended, the first 40 consumed. */
    private void appendAndConsumeSome()
    {
        try (SpillStore store = SpillStore.open(config()))
        {
            for (int seq = 0; seq < 100; seq++)
            {
                assertEquals(SpillStore.OK, store.append(frame, 0, TestFrames.write(frame, 0, seq, 100)));
            }
            assertEquals(40, store.read((b, o, l) -> TestFrames.verify(b, o, l), 40));
        }
    }

    private List<Long> readAll()
    {
        final List<Long> sequences = new ArrayList<>();
        try (SpillStore store = SpillStore.open(config()))
        {
            while (store.read((b, o, l) -> sequences.add(TestFrames.verify(b, o, l)), 1000) > 0)
            {
                // drain
            }
        }
        return sequences;
    }

    @Test
    void aFailureOfTheMomentKeepsTheReadPosition()
    {
        appendAndConsumeSome();
        final AtomicInteger attempts = new AtomicInteger();
        // The first attempt fails, as when the process briefly has too many files open; later ones succeed.
        final SpillQueueOpener.QueueFactory tooManyFilesOnce = (directory, config, clock) ->
        {
            if (attempts.getAndIncrement() == 0)
            {
                throw new IORuntimeException(new IOException("Too many open files"));
            }
            return SpillQueueOpener.newQueue(directory, config, clock);
        };
        assertThrows(IORuntimeException.class, () -> SpillStore.open(config(), tooManyFilesOnce));
        assertEquals(List.of(), discarded(), "the metadata was not set aside");

        final List<Long> sequences = readAll();
        assertEquals(60, sequences.size(), "resumed after the 40 consumed: " + sequences);
        assertEquals(40L, sequences.get(0));
    }

    @Test
    void aTableStoreLockHeldElsewhereKeepsTheReadPosition() throws IOException
    {
        appendAndConsumeSome();
        // Chronicle's own lock on the metadata file, held by someone else (a tool, a relay still closing).
        try (FileChannel channel = FileChannel.open(dir.resolve("metadata.cq4t"), StandardOpenOption.WRITE);
             FileLock lock = channel.lock(Long.MAX_VALUE - 1, 1, false))
        {
            assertTrue(lock.isValid());
            assertThrows(RuntimeException.class, () -> SpillStore.open(config()));
        }
        assertEquals(List.of(), discarded(), "the metadata was not set aside");
        final List<Long> sequences = readAll();
        assertEquals(60, sequences.size(), "resumed after the 40 consumed: " + sequences);
    }

    @Test
    void aDamagedMetadataFileIsReplacedAndDoesNotBlockOpen() throws IOException
    {
        appendAndConsumeSome();
        DamagedFiles.overwrite(dir.resolve("metadata.cq4t"), 100, 512);
        final List<Long> sequences = readAll();
        assertEquals(100, sequences.size(), "at-least-once: the consumed frames of an undeleted file come again");
        assertEquals(0L, sequences.get(0));
        assertFalse(Files.exists(dir.resolve(".metadata-check")), "the scratch copy is gone");
    }

    private List<Path> discarded()
    {
        try (var files = Files.list(dir))
        {
            return files.filter(f -> f.getFileName().toString().startsWith("metadata.cq4t-")).toList();
        }
        catch (final IOException e)
        {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
