package io.sluice.spill;

import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

import java.nio.file.Path;

/**
 * The internal classes of a store, built over a directory a closed store left, for tests that drive them without the
 * store: the queue, its positions, fresh gauges, the cycle files and a reader positioned at the stored read index.
 */
final class StoreParts implements AutoCloseable
{
    final SingleChronicleQueue queue;
    final SpillPositions positions;
    final SpillGauges gauges = new SpillGauges();
    final CycleFiles cycleFiles;
    final int maxRecordLength;
    final SpillReader reader;

    StoreParts(final Path dir, final SpillConfig config)
    {
        BackgroundResourceReleaser.releasePendingResources();
        queue = SpillQueueOpener.newQueue(dir, config, new SegmentClock(config.timeProvider()));
        positions = new SpillPositions(queue.metaStore());
        cycleFiles = new CycleFiles(dir, queue.rollCycle(), queue.epoch());
        maxRecordLength = config.maxFrameLength() + SpillRecordDescriptor.HEADER_LENGTH;
        reader = new SpillReader(dir, queue.createTailer(), queue.rollCycle(), cycleFiles, positions, gauges,
            new DamageLog(dir, cycleFiles, gauges), maxRecordLength);
        reader.position();
    }

    @Override
    public void close()
    {
        reader.close();
        positions.close();
        queue.close();
        BackgroundResourceReleaser.releasePendingResources();
    }
}
