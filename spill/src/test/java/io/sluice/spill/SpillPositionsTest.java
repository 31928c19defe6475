package io.sluice.spill;

import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SpillPositionsTest
{
    @TempDir
    Path dir;

    private final SpillConfig config =
        SpillConfig.of(Path.of("unused"), 64L << 20).withTimeProvider(SpillTests.clock());

    @Test
    void freshQueueHasNoPositions()
    {
        try (SingleChronicleQueue queue = newQueue(); SpillPositions positions = new SpillPositions(queue.metaStore()))
        {
            assertEquals(SpillPositions.UNSET, positions.readIndex());
            assertEquals(SpillPositions.UNSET, positions.readOffset());
            assertEquals(SpillPositions.UNSET, positions.appendEnd());
            assertEquals(SpillPositions.UNSET, positions.lastIndex());
        }
    }

    @Test
    void positionsSurviveClosingAndReopeningTheQueue()
    {
        try (SingleChronicleQueue queue = newQueue(); SpillPositions positions = new SpillPositions(queue.metaStore()))
        {
            positions.readIndex(0x1234_0000_0005L);
            positions.readOffset(4096);
            positions.appendEnd(1L << 40);
            positions.lastIndex(0x1234_0000_0009L);
            positions.readOffset(8192); // the last write wins
        }
        BackgroundResourceReleaser.releasePendingResources();

        try (SingleChronicleQueue queue = newQueue(); SpillPositions positions = new SpillPositions(queue.metaStore()))
        {
            assertEquals(0x1234_0000_0005L, positions.readIndex());
            assertEquals(8192, positions.readOffset());
            assertEquals(1L << 40, positions.appendEnd());
            assertEquals(0x1234_0000_0009L, positions.lastIndex());
        }
    }

    @Test
    void storeKeepsItsReadPositionUnderTheNamedKeys()
    {
        final SpillConfig storeConfig = SpillConfig.of(dir, 64L << 20).withFreeSpaceMarginBytes(16L << 20)
            .withTimeProvider(SpillTests.clock());
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[64]);
        final int length = TestFrames.write(frame, 0, 0, 16);
        try (SpillStore store = SpillStore.open(storeConfig))
        {
            store.append(frame, 0, length);
            store.append(frame, 0, length);
            assertEquals(1, store.read((buffer, offset, frameLength) -> {}, 1));
        }
        BackgroundResourceReleaser.releasePendingResources();

        try (SingleChronicleQueue queue = newQueue(); SpillPositions positions = new SpillPositions(queue.metaStore()))
        {
            assertEquals(length, positions.readOffset());
            assertEquals(2L * length, positions.appendEnd());
        }
    }

    private SingleChronicleQueue newQueue()
    {
        return SpillQueueOpener.newQueue(dir, config, new SegmentClock(config.timeProvider()));
    }
}
