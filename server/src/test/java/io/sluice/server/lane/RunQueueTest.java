package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RunQueue}, driven directly: runs come out in the order they went in, each with the frame count its producer
 * gave, also while several producers offer at once; a full queue refuses; a run partly taken is counted again.
 */
class RunQueueTest
{
    private static ByteBuf frames(final int count, final int payload)
    {
        final ByteBuf run = Unpooled.buffer();
        for (int i = 0; i < count; i++)
        {
            Frames.writeHeader(run, FrameDescriptor.HEADER_LENGTH + payload, FrameType.DATA, 0, 1, 1, i, 0);
            run.writeZero(payload);
        }
        return run;
    }

    @Test
    void runsComeOutInOrderWithTheirCountsAndAFullQueueRefuses()
    {
        final RunQueue queue = new RunQueue(3);
        final ByteBuf[] runs = new ByteBuf[4];
        for (int i = 0; i < runs.length; i++)
        {
            runs[i] = frames(i + 1, 8);
            assertTrue(queue.offer(runs[i], i + 1), "capacity 3 rounds up to 4");
        }
        assertFalse(queue.offer(frames(1, 8), 1), "a full queue refuses");
        assertEquals(4, queue.size());
        assertSame(runs[0], queue.peek());
        assertEquals(1, queue.headFrames());
        for (int i = 0; i < runs.length; i++)
        {
            assertSame(runs[i], queue.poll());
            assertEquals(i + 1, queue.polledFrames());
        }
        assertNull(queue.poll());
        assertTrue(queue.isEmpty());
        assertTrue(queue.offer(runs[0], 1), "polling made room");
    }

    @Test
    void aRunPartlyTakenIsCountedFromWhereItNowStarts()
    {
        final RunQueue queue = new RunQueue(2);
        final ByteBuf run = frames(5, 16);
        assertTrue(queue.offer(run, 5));
        run.readerIndex(2 * (FrameDescriptor.HEADER_LENGTH + 16));
        queue.headPartlyTaken();
        assertEquals(3, queue.headFrames());
        assertSame(run, queue.poll());
        assertEquals(3, queue.polledFrames());
        final ByteBuf next = frames(4, 16);
        assertTrue(queue.offer(next, 4));
        assertEquals(4, queue.headFrames(), "the next run in that slot has its own count");
    }

    @Test
    @Timeout(60)
    void concurrentProducersEachArriveInOrderWithTheirCounts() throws Exception
    {
        final int producers = 3;
        final int perProducer = 50_000;
        final RunQueue queue = new RunQueue(64);
        // One buffer per producer, told apart by identity; the count carries the producer's sequence.
        final ByteBuf[] tokens = new ByteBuf[producers];
        for (int p = 0; p < producers; p++)
        {
            tokens[p] = Unpooled.buffer(1);
        }
        final ExecutorService pool = Executors.newFixedThreadPool(producers);
        final CountDownLatch start = new CountDownLatch(1);
        try
        {
            final Future<?>[] sent = new Future<?>[producers];
            for (int p = 0; p < producers; p++)
            {
                final ByteBuf token = tokens[p];
                sent[p] = pool.submit(() ->
                {
                    start.await();
                    for (int i = 0; i < perProducer; i++)
                    {
                        while (!queue.offer(token, i))
                        {
                            Thread.onSpinWait();
                        }
                    }
                    return null;
                });
            }
            start.countDown();
            final int[] next = new int[producers];
            int received = 0;
            while (received < producers * perProducer)
            {
                final ByteBuf run = queue.poll();
                if (run == null)
                {
                    Thread.onSpinWait();
                    continue;
                }
                final int p = producerOf(tokens, run);
                assertEquals(next[p]++, queue.polledFrames(), "producer " + p + "'s runs in order, each its count");
                received++;
            }
            for (final Future<?> f : sent)
            {
                f.get(10, TimeUnit.SECONDS);
            }
            assertNull(queue.poll());
            assertTrue(queue.isEmpty());
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    private static int producerOf(final ByteBuf[] tokens, final ByteBuf run)
    {
        for (int p = 0; p < tokens.length; p++)
        {
            if (tokens[p] == run)
            {
                return p;
            }
        }
        throw new AssertionError("a run no producer offered");
    }
}
