package io.sluice.spill;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpillStoreApiTest
{
    @TempDir
    Path dir;

    private SpillConfig config()
    {
        return SpillConfig.of(dir, 64L << 20).withFreeSpaceMarginBytes(16L << 20).withTimeProvider(SpillTests.clock());
    }

    @Test
    void callsFromAnotherThreadAreRejected() throws Exception
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[128]);
        try (SpillStore store = SpillStore.open(config()))
        {
            final int length = TestFrames.write(frame, 0, 0, 64);
            final CompletableFuture<Void> append = CompletableFuture.runAsync(() -> store.append(frame, 0, length));
            final ExecutionException e1 = assertThrows(ExecutionException.class, append::get);
            assertInstanceOf(IllegalStateException.class, e1.getCause());
            final CompletableFuture<Void> read = CompletableFuture.runAsync(() -> store.read((b, o, l) -> {}, 1));
            final ExecutionException e2 = assertThrows(ExecutionException.class, read::get);
            assertInstanceOf(IllegalStateException.class, e2.getCause());
            final CompletableFuture<Integer> drop = CompletableFuture.supplyAsync(store::dropCachedPages);
            final ExecutionException e3 = assertThrows(ExecutionException.class, drop::get);
            assertInstanceOf(IllegalStateException.class, e3.getCause());
            assertEquals(0, store.backlogMessages(), "nothing was appended");
            // Gauges are readable from anywhere.
            assertEquals(0L, CompletableFuture.supplyAsync(store::backlogMessages).get());
        }
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefused()
    {
        try (SpillStore store = SpillStore.open(config()))
        {
            assertThrows(IllegalStateException.class, () -> SpillStore.open(config()));
            assertTrue(store.isEmpty());
        }
        SpillStore.open(config()).close();
    }

    @Test
    void aByteLimitedReadFillsABufferAndLeavesTheRestFirst()
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[4096]);
        try (SpillStore store = SpillStore.open(config()))
        {
            for (int seq = 0; seq < 10; seq++)
            {
                assertEquals(SpillStore.OK, store.append(frame, 0, TestFrames.write(frame, 0, seq, 1000 - 32)));
            }
            assertEquals(SpillStore.OK, store.append(frame, 0, TestFrames.write(frame, 0, 10, 4000 - 32)));
            final List<Long> sequences = new ArrayList<>();
            final FrameHandler collect = (b, o, l) -> sequences.add(TestFrames.verify(b, o, l));
            assertEquals(3, store.read(collect, 100, 3500), "three frames of 1000 bytes fit 3500");
            assertEquals(3, store.read(collect, 100, 3000));
            assertEquals(4, store.read(collect, 100, 7000), "up to the frame that does not fit");
            assertEquals(1, store.read(collect, 100, 1000), "a first frame longer than the limit still comes");
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), sequences);
            assertTrue(store.isEmpty());
        }
    }

    @Test
    void framesLongerThanTheMaximumAreAProgrammingError()
    {
        try (SpillStore store = SpillStore.open(config().withMaxFrameLength(1024)))
        {
            final UnsafeBuffer frame = new UnsafeBuffer(new byte[2048]);
            assertThrows(IllegalArgumentException.class, () -> store.append(frame, 0, 1025));
            assertThrows(IndexOutOfBoundsException.class, () -> store.append(frame, 1500, 1000));
            assertEquals(SpillStore.OK, store.append(frame, 0, TestFrames.write(frame, 0, 0, 1024 - 32)));
        }
    }

    @Test
    void nettyBuffersOfEveryKindAreAppendedWithoutTouchingTheirIndexesOrReferenceCount()
    {
        final ByteBufAllocator pooled = PooledByteBufAllocator.DEFAULT;
        final List<ByteBuf> buffers = new ArrayList<>();
        buffers.add(pooled.directBuffer(4096));
        buffers.add(pooled.heapBuffer(4096));
        buffers.add(Unpooled.buffer(4096));
        final CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponent(true, Unpooled.directBuffer(100).writeZero(100));
        composite.addComponent(true, Unpooled.buffer(4000).writeZero(4000));
        buffers.add(composite);
        try (SpillStore store = SpillStore.open(config()))
        {
            final UnsafeBuffer scratch = new UnsafeBuffer(new byte[4096]);
            long seq = 0;
            for (final ByteBuf buf : buffers)
            {
                final int length = TestFrames.write(scratch, 0, seq, 1000 + (int)seq);
                buf.setBytes(7, scratch.byteArray(), 0, length);
                buf.writerIndex(1234);
                assertEquals(SpillStore.OK, store.append(buf, 7, length));
                assertEquals(1234, buf.writerIndex());
                assertEquals(1, buf.refCnt());
                seq++;
            }
            final long[] next = {0};
            assertEquals(buffers.size(), store.read((b, o, l) ->
                assertEquals(next[0]++, TestFrames.verify(b, o, l)), 100));
        }
        finally
        {
            buffers.forEach(ByteBuf::release);
        }
    }

    @Test
    void aFrameWhoseHandlerThrowsIsNotConsumed()
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[256]);
        try (SpillStore store = SpillStore.open(config()))
        {
            for (int seq = 0; seq < 3; seq++)
            {
                store.append(frame, 0, TestFrames.write(frame, 0, seq, 100));
            }
            final RuntimeException boom = new RuntimeException("boom");
            final List<Long> seen = new ArrayList<>();
            final RuntimeException thrown = assertThrows(RuntimeException.class, () -> store.read((b, o, l) ->
            {
                final long seq = TestFrames.verify(b, o, l);
                if (seq == 1)
                {
                    throw boom;
                }
                seen.add(seq);
            }, 10));
            assertSame(boom, thrown);
            assertEquals(List.of(0L), seen);
            assertEquals(2, store.backlogMessages());
            assertEquals(2, store.read((b, o, l) -> seen.add(TestFrames.verify(b, o, l)), 10));
            assertEquals(List.of(0L, 1L, 2L), seen);
        }
    }

    @Test
    void appendAndReadDoNotAllocatePerFrame()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        final int length = TestFrames.write(frame, 0, 0, 64);
        final ByteBuf netty = Unpooled.directBuffer(256);
        netty.writeBytes(frame.byteBuffer().duplicate().limit(length));
        final long[] sum = {0};
        final FrameHandler handler = (b, o, l) -> sum[0] += l;
        try (SpillStore store = SpillStore.open(config()))
        {
            for (int round = 0; round < 3; round++)
            {
                final long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                for (int i = 0; i < 50_000; i++)
                {
                    store.append(frame, 0, length);
                    store.append(netty, 0, length);
                }
                while (store.read(handler, 1024) > 0)
                {
                    // drain
                }
                final long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
                if (round == 2)
                {
                    // 100k appends and reads of 108-byte records: about 11 MB, i.e. a handful of disk-use samples
                    // (a directory listing and a stat each) per MiB, about 100 KB in all, and how many depends on
                    // timing; one object per frame would be at least 1.6 MB. So: under 10 bytes a frame.
                    assertTrue(allocated < 1_000_000, "allocated " + allocated + " bytes for 100k frames");
                }
            }
            assertEquals(3 * 100_000L * length, sum[0]);
        }
        finally
        {
            netty.release();
        }
    }

    @Test
    void configIsValidated()
    {
        assertThrows(IllegalArgumentException.class, () -> SpillConfig.of(dir, 1000));
        assertThrows(IllegalArgumentException.class, () -> config().withBlockSize(300_000));
        assertThrows(IllegalArgumentException.class, () -> config().withBlockSize(256 << 10));
        assertThrows(IllegalArgumentException.class, () -> config().withFreeSpaceMarginBytes(-1));
        assertThrows(IllegalArgumentException.class, () -> config().withRollBytes(1000));
        final SpillConfig small =
            config().withMaxFrameLength(64 * 1024).withBlockSize(SpillConfig.minimumBlockSize(64 * 1024));
        assertEquals(512 * 1024, small.blockSize());
        assertEquals(8L << 20, SpillConfig.minimumBlockSize(1 << 20));
    }
}
