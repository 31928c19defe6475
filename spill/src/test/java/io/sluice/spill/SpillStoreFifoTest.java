package io.sluice.spill;

import net.openhft.chronicle.core.time.SetTimeProvider;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpillStoreFifoTest
{
    private static final int OPERATIONS = 100_000;
    private static final int MAX_PAYLOAD = 64 * 1024;

    @TempDir
    Path dir;

    /**
     * 100k random appends and reads with payloads of 8 B .. 64 KiB, time-based rolls every few thousand operations and
     * size-based rolls every 4 MiB: every frame comes out once, in order, intact.
     */
    @Test
    void randomInterleavingsKeepFifoOrderWithoutLossOrDuplicates()
    {
        final SetTimeProvider time = new SetTimeProvider(1_700_000_000_000L * 1_000_000L);
        final SpillConfig config = SpillConfig.of(dir, 1L << 30)
            .withMaxFrameLength(MAX_PAYLOAD + 32)
            .withRollBytes(4L << 20)
            .withFreeSpaceMarginBytes(16L << 20)
            .withTimeProvider(time);
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_PAYLOAD + 64));
        final UnsafeBuffer heapFrame = new UnsafeBuffer(new byte[MAX_PAYLOAD + 64]);
        final SplittableRandom random = new SplittableRandom(42);
        final long[] expected = {0};
        long appended = 0;
        long appendedBytes = 0;
        final long[] readBytes = {0};
        final FrameHandler check = (buffer, offset, length) ->
        {
            assertEquals(expected[0], TestFrames.verify(buffer, offset, length), "FIFO order");
            expected[0]++;
            readBytes[0] += length;
        };

        try (SpillStore store = SpillStore.open(config))
        {
            for (int op = 0; op < OPERATIONS; op++)
            {
                if (random.nextInt(100) < 52)
                {
                    final int payload = random.nextInt(10) == 0
                        ? 8 + random.nextInt(MAX_PAYLOAD - 7)
                        : 8 + random.nextInt(512);
                    final UnsafeBuffer target = (op & 1) == 0 ? frame : heapFrame;
                    final int offset = random.nextInt(16);
                    final int length = TestFrames.write(target, offset, appended, payload);
                    assertEquals(SpillStore.OK, store.append(target, offset, length));
                    appended++;
                    appendedBytes += length;
                }
                else
                {
                    final long before = expected[0];
                    final int limit = 1 + random.nextInt(8);
                    final int n = store.read(check, limit);
                    assertEquals(expected[0] - before, n);
                    assertTrue(n == limit || expected[0] == appended, "read returned less than asked with frames left");
                }
                assertEquals(appended - expected[0], store.backlogMessages());
                assertEquals(appendedBytes - readBytes[0], store.backlogBytes());
                if (op % 7_000 == 6_999)
                {
                    time.advanceMillis(config.rollCycle().lengthInMillis());
                }
            }
            while (store.read(check, 1000) > 0)
            {
                // drain
            }
            assertEquals(appended, expected[0], "every frame read once");
            assertTrue(store.isEmpty());
            assertEquals(0, store.backlogBytes());
            assertEquals(0, store.damagedSkipped());
            assertTrue(store.diskBytes() < SpillTests.DRAINED_DISK_BOUND, () -> "drained: " + SpillTests.listing(dir));
        }
    }
}
