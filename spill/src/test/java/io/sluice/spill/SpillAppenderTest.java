package io.sluice.spill;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.sluice.spill.CycleFiles.NO_CYCLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Drives the append side directly over a queue in a temporary directory, without the store. */
class SpillAppenderTest
{
    private static final int PAYLOAD = 64;

    @TempDir
    Path dir;

    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[2048]);
    private final SpillGauges gauges = new SpillGauges();
    private SingleChronicleQueue queue;
    private SpillPositions positions;
    private DiskBudget budget;
    private SpillAppender appender;

    private SpillAppender open(final SpillConfig config) throws IOException
    {
        final SegmentClock clock = new SegmentClock(config.timeProvider());
        queue = SpillQueueOpener.newQueue(dir, config, clock);
        positions = new SpillPositions(queue.metaStore());
        final CycleFiles cycleFiles = new CycleFiles(dir, queue.rollCycle(), queue.epoch());
        final FileStore fileStore = Files.getFileStore(dir);
        final DiskUsage usage = new DiskUsage(dir, dir.resolve(SingleChronicleQueue.QUEUE_METADATA_FILE));
        budget = new DiskBudget(dir, fileStore, config.quotaBytes(),
            config.freeSpaceMarginFor(fileStore.getTotalSpace()), queue.indexCount(),
            queue.blockSize() + queue.overlapSize());
        appender = new SpillAppender(dir, config, queue, clock, cycleFiles, usage, budget,
            new PageCacheAdvice(cycleFiles), positions, gauges);
        appender.startAfter(NO_CYCLE);
        appender.start(false);
        return appender;
    }

    private SpillConfig config()
    {
        return SpillConfig.of(dir, 64L << 20).withFreeSpaceMarginBytes(16L << 20)
            .withTimeProvider(SpillTests.clock()).withDrainRollIdleMillis(0);
    }

    @AfterEach
    void close()
    {
        if (appender != null)
        {
            appender.close();
            positions.close();
            queue.close();
        }
        BackgroundResourceReleaser.releasePendingResources();
    }

    /** @return [logical offset, sequence] of every record in the queue, checked as a reader checks them. */
    private List<long[]> records()
    {
        final List<long[]> records = new ArrayList<>();
        final RecordView view = new RecordView(2048 + SpillRecordDescriptor.HEADER_LENGTH);
        try (ExcerptTailer tailer = queue.createTailer())
        {
            while (true)
            {
                try (DocumentContext dc = tailer.readingDocument())
                {
                    if (!dc.isPresent())
                    {
                        return records;
                    }
                    assertTrue(view.wrap(dc.wire().bytes()), "checksum holds");
                    records.add(new long[] {view.logicalOffset(),
                        TestFrames.verify(view.buffer(), view.frameOffset(), view.frameLength())});
                }
            }
        }
    }

    @Test
    void appendsFromEveryKindOfBufferWithLogicalOffsetsAndCountsThem() throws IOException
    {
        open(config().withMaxFrameLength(2048));
        final int length = TestFrames.write(frame, 0, 0, PAYLOAD);
        assertEquals(SpillStore.OK, appender.append(frame, 0, length));

        final ByteBuf direct = Unpooled.directBuffer(256);
        final CompositeByteBuf composite = Unpooled.compositeBuffer();
        try
        {
            TestFrames.write(frame, 0, 1, PAYLOAD);
            direct.writeBytes(frame.byteArray(), 0, length);
            assertEquals(SpillStore.OK, appender.append(direct, 0, length));

            TestFrames.write(frame, 0, 2, PAYLOAD);
            composite.addComponent(true, Unpooled.wrappedBuffer(frame.byteArray(), 0, 10));
            composite.addComponent(true, Unpooled.wrappedBuffer(frame.byteArray().clone(), 10, length - 10));
            assertEquals(SpillStore.OK, appender.append(composite, 0, length));
            assertEquals(1, direct.refCnt());
            assertEquals(0, direct.readerIndex());
        }
        finally
        {
            direct.release();
            composite.release();
        }

        assertEquals(3L * length, gauges.appendEnd());
        assertEquals(3L * length, positions.appendEnd());
        assertEquals(3, gauges.backlogMessages());
        assertNotEquals(NO_CYCLE, appender.appendCycle());
        assertEquals(appender.appendCycle(), appender.highestCycle());
        assertEquals(queue.rollCycle().toIndex(appender.appendCycle(), 2), positions.lastIndex());

        final List<long[]> records = records();
        assertEquals(3, records.size());
        for (int i = 0; i < 3; i++)
        {
            assertEquals((long)i * length, records.get(i)[0], "logical offset");
            assertEquals(i, records.get(i)[1], "sequence");
        }
    }

    @Test
    void refusedAppendWritesNothing() throws IOException
    {
        open(config());
        budget.quotaBytes(1);
        final int length = TestFrames.write(frame, 0, 0, PAYLOAD);
        assertEquals(SpillStore.QUOTA_EXCEEDED, appender.room(length));
        assertEquals(SpillStore.QUOTA_EXCEEDED, appender.append(frame, 0, length));
        assertEquals(0, gauges.appendEnd());
        assertEquals(0, gauges.backlogMessages());
        assertTrue(records().isEmpty());
    }

    @Test
    void frameLongerThanTheLimitIsRejected() throws IOException
    {
        open(config().withMaxFrameLength(100));
        final int length = TestFrames.write(frame, 0, 0, PAYLOAD * 2);
        assertThrows(IllegalArgumentException.class, () -> appender.append(frame, 0, length));
        final ByteBuf buf = Unpooled.wrappedBuffer(frame.byteArray(), 0, length);
        try
        {
            assertThrows(IllegalArgumentException.class, () -> appender.append(buf, 0, length));
            assertThrows(IndexOutOfBoundsException.class, () -> appender.append(buf, 1, length));
        }
        finally
        {
            buf.release();
        }
        assertEquals(0, gauges.backlogMessages());
    }

    @Test
    void drainedFileOfAtLeast128KiBRollsToTheNextCycle() throws IOException
    {
        open(config().withMaxFrameLength(2048));
        final int length = TestFrames.write(frame, 0, 0, 1024);
        assertEquals(SpillStore.OK, appender.append(frame, 0, length));
        final int first = appender.appendCycle();
        assertFalse(appender.rollIfDrained(first), "a small file is kept");

        for (long seq = 1; appender.currentFileBytes() < 128 << 10; seq++)
        {
            assertEquals(SpillStore.OK, appender.append(frame, 0, TestFrames.write(frame, 0, seq, 1024)));
        }
        assertFalse(appender.rollIfDrained(first - 1), "the reader is not in the file appends go to");
        assertEquals(first, appender.appendCycle());

        assertTrue(appender.rollIfDrained(first));
        assertTrue(appender.appendCycle() > first);
        assertEquals(appender.appendCycle(), appender.highestCycle());
        assertEquals(0, appender.currentFileBytes());
    }

    @Test
    void rollNowStartsTheNextCycleFile() throws IOException
    {
        open(config());
        assertTrue(appender.rollNow());
        final int first = appender.appendCycle();
        assertNotEquals(NO_CYCLE, first);
        assertTrue(appender.rollNow());
        assertEquals(first + 1, appender.appendCycle(), "the clock has not moved: one cycle per roll");
        assertEquals(SpillStore.OK, appender.append(frame, 0, TestFrames.write(frame, 0, 0, PAYLOAD)));
        assertEquals(queue.rollCycle().toIndex(first + 1, 0), positions.lastIndex());
    }
}
