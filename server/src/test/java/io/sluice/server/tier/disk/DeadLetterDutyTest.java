package io.sluice.server.tier.disk;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.spill.deadletter.DeadLetterDescriptor;
import io.sluice.spill.deadletter.DeadLetterReader;
import io.sluice.spill.deadletter.DeadLetterStore;
import io.sluice.spill.SpillConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The integration point for the relay: a {@link DeadLetterStore} run as a duty of the {@link SpillWorker} opens and
 * drains on the spill thread, and is closed (after appending what was handed over) when the worker closes.
 */
class DeadLetterDutyTest
{
    @TempDir
    Path dir;

    @Test
    void theSpillThreadDrainsTheStoreAndClosesIt()
    {
        final DeadLetterStore store = DeadLetterStore.create(
            SpillConfig.of(dir, 16L << 20).withFreeSpaceMarginBytes(16L << 20).withMaxFrameLength(64 * 1024));
        final ByteBuf frame = Unpooled.directBuffer(128);
        try (SpillWorker worker = new SpillWorker())
        {
            worker.add(store);
            for (int i = 0; i < 100; i++)
            {
                frame.clear();
                Frames.writeHeader(frame, FrameDescriptor.HEADER_LENGTH + 8, FrameType.DATA, 0, 1, 2, i, 0);
                frame.writeLong(i);
                assertEquals(
                    1, store.offer("s", DeadLetterDescriptor.REASON_DROP_NEWEST, frame, 0, frame.writerIndex()));
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (store.written() < 50)
            {
                assertTrue(System.nanoTime() < deadline, "the spill thread drains: " + store);
                LockSupport.parkNanos(1_000_000);
            }
        }
        finally
        {
            frame.release();
        }
        // Closing the worker closed the store, after appending everything handed over.
        assertEquals(100, store.written());
        assertEquals(0, store.offer("s", 1, Unpooled.wrappedBuffer(new byte[0]), 0, 0), "closed");
        final List<Long> sequences = new ArrayList<>();
        try (DeadLetterReader reader = DeadLetterReader.open(dir, 64 * 1024))
        {
            while (reader.read(record -> sequences.add(record.sequence()), 1000) > 0)
            {
                // all
            }
        }
        assertEquals(100, sequences.size());
        for (int i = 0; i < 100; i++)
        {
            assertEquals(i, sequences.get(i));
        }
    }
}
