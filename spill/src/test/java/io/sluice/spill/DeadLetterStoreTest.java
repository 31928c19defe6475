package io.sluice.spill;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.spill.deadletter.DeadLetterDescriptor;
import io.sluice.spill.deadletter.DeadLetterHandler;
import io.sluice.spill.deadletter.DeadLetterReader;
import io.sluice.spill.deadletter.DeadLetterStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dead-letter store: hand-off from several threads, drain to disk, non-destructive listing, quota and ring
 * refusals counted, restart, damage.
 */
class DeadLetterStoreTest
{
    private static final long DROP_TIME = 1_700_000_000_123_456_789L;

    @TempDir
    Path dir;

    private SpillConfig config(final long quota)
    {
        return SpillConfig.of(dir, quota).withFreeSpaceMarginBytes(16L << 20).withMaxFrameLength(64 * 1024)
            .withTimeProvider(SpillTests.clock());
    }

    /** What a listed record says, copied out of the view. */
    record Letter(String stream, int reason, long dropTime, int flags, int source, long sequence, long timestamp,
                  byte[] payload)
    {
    }

    /** Appends a DATA frame with a payload derived from its sequence. */
    private static void writeFrame(final ByteBuf out, final int source, final long sequence, final int payloadLength,
        final int flags)
    {
        Frames.writeHeader(out, FrameDescriptor.HEADER_LENGTH + payloadLength, FrameType.DATA, flags, 9, source,
            sequence, sequence * 10);
        out.writeBytes(payload(source, sequence, payloadLength));
    }

    private static byte[] payload(final int source, final long sequence, final int length)
    {
        final byte[] bytes = new byte[length];
        new Random(source * 1_000_003L + sequence).nextBytes(bytes);
        return bytes;
    }

    private static List<Letter> list(final Path directory, final long[] damaged)
    {
        final List<Letter> letters = new ArrayList<>();
        try (DeadLetterReader reader = DeadLetterReader.open(directory, 64 * 1024))
        {
            final DeadLetterHandler handler = record ->
            {
                final byte[] payload = new byte[record.payloadLength()];
                record.buffer().getBytes(record.payloadOffset(), payload);
                letters.add(new Letter(record.stream(), record.reason(), record.dropTimeNanos(), record.flags(),
                    record.sourceId(), record.sequence(), record.timestampNanos(), payload));
            };
            while (reader.read(handler, 7) > 0)
            {
                // all of it, a few at a time
            }
            damaged[0] = reader.damagedSkipped();
        }
        return letters;
    }

    private static List<Letter> list(final Path directory)
    {
        final long[] damaged = new long[1];
        final List<Letter> letters = list(directory, damaged);
        assertEquals(0, damaged[0], "nothing damaged");
        return letters;
    }

    private static void drainAll(final DeadLetterStore store)
    {
        while (store.drain(100) > 0)
        {
            // drain
        }
    }

    private static void assertLetter(final Letter letter, final String stream, final int reason, final int source,
        final long sequence, final int payloadLength)
    {
        assertEquals(stream, letter.stream());
        assertEquals(reason, letter.reason());
        assertEquals(source, letter.source());
        assertEquals(sequence, letter.sequence());
        assertEquals(sequence * 10, letter.timestamp());
        assertArrayEquals(payload(source, sequence, payloadLength), letter.payload(), "payload of " + sequence);
    }

    @Test
    void runsFromAnyKindOfBufferAreKeptAndListedWithoutBeingConsumed()
    {
        final DeadLetterStore store = DeadLetterStore.create(config(64L << 20));
        final ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer(4096);
        final ByteBuf heap = Unpooled.buffer(4096);
        final CompositeByteBuf composite = Unpooled.compositeBuffer();
        try
        {
            // A run of three frames, with some unrelated bytes before it (the run is a slice of a read buffer).
            direct.writeZero(5);
            writeFrame(direct, 1, 0, 100, 0);
            writeFrame(direct, 1, 1, 0, 0);
            writeFrame(direct, 1, 2, 9, FrameDescriptor.FLAG_KEYED);
            assertEquals(3, store.offer("prices", DeadLetterDescriptor.REASON_DROP_OLDEST, DROP_TIME, direct, 5,
                direct.writerIndex() - 5));
            writeFrame(heap, 2, 7, 33, 0);
            assertEquals(1, store.offer("a.b_c-D", DeadLetterDescriptor.REASON_DEADLINE, DROP_TIME + 1, heap, 0,
                heap.writerIndex()));
            // A frame split over two components, so that no single memory address or array holds it.
            final ByteBuf whole = Unpooled.buffer();
            writeFrame(whole, 3, 11, 61, 0);
            composite.addComponent(true, whole.retainedSlice(0, 20));
            composite.addComponent(true, whole.retainedSlice(20, whole.writerIndex() - 20));
            whole.release();
            assertEquals(1, store.offer("x", 42, DROP_TIME + 2, composite, 0, composite.writerIndex()));

            assertEquals(0, direct.readerIndex(), "indexes untouched");
            assertEquals(1, direct.refCnt(), "reference count untouched");
            assertTrue(store.pendingBytes() > 0);
            assertEquals(0, store.written(), "nothing reaches the disk before a drain");

            assertEquals(5, store.drain(100));
            assertEquals(5, store.written());
            assertEquals(0, store.refused());
            assertEquals(0, store.pendingBytes());
            assertEquals(5, store.storedMessages());

            // Listed while the store is open, twice: reading consumes nothing.
            for (int pass = 0; pass < 2; pass++)
            {
                final List<Letter> letters = list(dir);
                assertEquals(5, letters.size(), letters.toString());
                assertLetter(letters.get(0), "prices", 2, 1, 0, 100);
                assertLetter(letters.get(1), "prices", 2, 1, 1, 0);
                assertLetter(letters.get(2), "prices", 2, 1, 2, 9);
                assertEquals(FrameDescriptor.FLAG_KEYED, letters.get(2).flags());
                assertEquals(DROP_TIME, letters.get(2).dropTime());
                assertLetter(letters.get(3), "a.b_c-D", 5, 2, 7, 33);
                assertEquals(DROP_TIME + 1, letters.get(3).dropTime());
                assertLetter(letters.get(4), "x", 42, 3, 11, 61);
            }
        }
        finally
        {
            direct.release();
            heap.release();
            composite.release();
            store.close();
        }
        assertEquals(5, list(dir).size(), "still there after close");
    }

    @Test
    void aStoreOpenedButNeverWrittenListsNothing()
    {
        final DeadLetterStore store = DeadLetterStore.create(config(64L << 20));
        store.open();
        assertEquals(List.of(), list(dir), "while open");
        store.close();
        assertEquals(List.of(), list(dir), "after close");
        assertThrows(IllegalArgumentException.class, () -> DeadLetterReader.open(dir.resolve("nothing"), 1024));
    }

    @Test
    void anOpenReaderSeesWhatIsAppendedLaterAcrossFiles()
    {
        final DeadLetterStore store = DeadLetterStore.create(config(64L << 20).withRollBytes(1L << 20));
        final ByteBuf buf = Unpooled.directBuffer();
        final List<Long> sequences = new ArrayList<>();
        final DeadLetterHandler handler = record -> sequences.add(record.sequence());
        try
        {
            long seq = 0;
            writeFrame(buf, 1, seq++, 1000, 0);
            store.offer("s", 1, buf, 0, buf.writerIndex());
            drainAll(store);
            try (DeadLetterReader reader = DeadLetterReader.open(dir, 64 * 1024))
            {
                assertEquals(1, reader.read(handler, 100));
                assertEquals(0, reader.read(handler, 100), "at the end");
                // More than rollBytes (1 MiB): the store starts a new file while the reader is open.
                for (; seq < 1500; seq++)
                {
                    buf.clear();
                    writeFrame(buf, 1, seq, 1000, 0);
                    store.offer("s", 1, buf, 0, buf.writerIndex());
                    drainAll(store);
                }
                assertTrue(SpillTests.cycleFiles(dir).length >= 2, SpillTests.listing(dir));
                while (reader.read(handler, 100) > 0)
                {
                    // the rest
                }
                assertEquals(0, reader.damagedSkipped());
            }
        }
        finally
        {
            buf.release();
            store.close();
        }
        assertEquals(1500, sequences.size());
        for (int i = 0; i < sequences.size(); i++)
        {
            assertEquals(i, sequences.get(i));
        }
    }

    @Test
    void misuseHandsNothingOver()
    {
        final DeadLetterStore store = DeadLetterStore.create(config(64L << 20));
        final ByteBuf buf = Unpooled.buffer();
        try
        {
            writeFrame(buf, 1, 0, 10, 0);
            writeFrame(buf, 1, 1, 10, 0);
            assertThrows(IllegalArgumentException.class,
                () -> store.offer("s", 1, buf, 0, buf.writerIndex() - 1), "the second frame is cut short");
            assertThrows(IllegalArgumentException.class, () -> store.offer("", 1, buf, 0, buf.writerIndex()));
            assertThrows(IllegalArgumentException.class,
                () -> store.offer("s".repeat(256), 1, buf, 0, buf.writerIndex()));
            assertThrows(IndexOutOfBoundsException.class, () -> store.offer("s", 1, buf, buf.capacity(), 1));
            assertEquals(0, store.pendingBytes());
            assertEquals(0, store.refused());
            assertEquals(0, store.drain(10));
            assertFalse(dir.resolve("metadata.cq4t").toFile().exists(), "no files before there is something to keep");
        }
        finally
        {
            buf.release();
            store.close();
        }
    }

    @Test
    void concurrentOffersKeepEachThreadsOrderAndAreAllAccountedFor() throws Exception
    {
        final int threads = 4;
        final int perThread = 5_000;
        final DeadLetterStore store = DeadLetterStore.create(config(256L << 20), 256 * 1024);
        final CountDownLatch start = new CountDownLatch(1);
        // Threads of their own (not the common pool, which has one thread on a two-core machine): really concurrent.
        final List<CompletableFuture<Integer>> offering = new ArrayList<>();
        final List<Thread> offerers = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final int source = t + 1;
            final CompletableFuture<Integer> result = new CompletableFuture<>();
            offering.add(result);
            offerers.add(new Thread(() ->
            {
                final ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(256);
                int accepted = 0;
                try
                {
                    start.await();
                    for (long seq = 0; seq < perThread; seq++)
                    {
                        buf.clear();
                        writeFrame(buf, source, seq, (int)(seq % 97), 0);
                        accepted += store.offer("stream-" + source, source, DROP_TIME, buf, 0, buf.writerIndex());
                    }
                    result.complete(accepted);
                }
                catch (final Throwable e)
                {
                    result.completeExceptionally(e);
                }
                finally
                {
                    buf.release();
                }
            }, "offerer-" + source));
        }
        offerers.forEach(Thread::start);
        start.countDown();
        // This thread is the spill thread: it drains while the others offer.
        while (!offering.stream().allMatch(CompletableFuture::isDone))
        {
            store.drain(100);
        }
        drainAll(store);
        for (final Thread thread : offerers)
        {
            thread.join();
        }
        int accepted = 0;
        for (final CompletableFuture<Integer> f : offering)
        {
            accepted += f.get();
        }
        assertEquals(threads * (long)perThread, store.written() + store.refused(), "each frame written or refused");
        assertEquals(accepted, store.written());
        assertEquals(0, store.refusedDisk());
        assertTrue(store.written() > 0);
        store.close();

        final List<Letter> letters = list(dir);
        assertEquals(store.written(), letters.size());
        final long[] last = new long[threads + 1];
        java.util.Arrays.fill(last, -1);
        for (final Letter letter : letters)
        {
            assertEquals("stream-" + letter.source(), letter.stream());
            assertEquals(letter.source(), letter.reason());
            assertTrue(letter.sequence() > last[letter.source()], "order of source " + letter.source());
            last[letter.source()] = letter.sequence();
            assertArrayEquals(
                payload(letter.source(), letter.sequence(), (int)(letter.sequence() % 97)), letter.payload());
        }
    }

    @Test
    void aFullRingRefusesAndCountsWithoutBlocking()
    {
        final DeadLetterStore store = DeadLetterStore.create(config(64L << 20), DeadLetterStore.MIN_RING_BYTES);
        final ByteBuf buf = Unpooled.directBuffer();
        try
        {
            writeFrame(buf, 1, 0, 1000, 0);
            int accepted = 0;
            int offered = 0;
            while (store.refusedFull() == 0)
            {
                accepted += store.offer("s", 1, buf, 0, buf.writerIndex());
                offered++;
            }
            assertEquals(offered - 1, accepted);
            assertTrue(accepted >= 50, "a 64 KiB ring holds about 60 such records: " + accepted);

            // Larger than an eighth of the ring: never fits, refused at once.
            final ByteBuf big = Unpooled.buffer();
            writeFrame(big, 1, 1, DeadLetterStore.MIN_RING_BYTES / 8, 0);
            drainAll(store);
            assertEquals(0, store.offer("s", 1, big, 0, big.writerIndex()));
            big.release();
            assertEquals(2, store.refusedFull());
            assertEquals(accepted, store.written());
            assertEquals(1, store.offer("s", 1, buf, 0, buf.writerIndex()), "room again after the drain");
        }
        finally
        {
            buf.release();
            store.close();
        }
        assertEquals(store.written(), list(dir).size());
        assertEquals(store.written() + 2, store.written() + store.refused());
    }

    @Test
    void theQuotaRefusesCountsAndNeverThrows() throws IOException
    {
        final long quota = 2L << 20;
        final DeadLetterStore store = DeadLetterStore.create(config(quota));
        final ByteBuf buf = Unpooled.directBuffer();
        final int payload = 8 * 1024;
        long offered = 0;
        try
        {
            for (long seq = 0; store.refusedDisk() < 10; seq++)
            {
                buf.clear();
                writeFrame(buf, 1, seq, payload, 0);
                assertEquals(1, store.offer("s", 1, buf, 0, buf.writerIndex()));
                offered++;
                drainAll(store);
                assertTrue(FileSizes.allocatedInDirectory(dir) <= quota, "allocated within the quota");
                assertTrue(offered < 10_000, "the quota must be reached");
            }
            assertEquals(offered, store.written() + store.refused());
            assertEquals(10, store.refusedDisk());
            assertEquals(0, store.refusedFull());
            assertTrue(store.written() * payload > quota / 2,
                "most of the quota holds dead letters: " + store.written());
        }
        finally
        {
            buf.release();
            store.close();
        }
        final List<Letter> letters = list(dir);
        assertEquals(store.written(), letters.size());
        for (int i = 0; i < letters.size(); i++)
        {
            assertEquals(i, letters.get(i).sequence(), "the written ones are the first ones");
        }
    }

    @Test
    void aReopenedStoreKeepsWhatWasWrittenAndAddsToIt()
    {
        final ByteBuf buf = Unpooled.directBuffer();
        try
        {
            for (int session = 0; session < 3; session++)
            {
                final DeadLetterStore store = DeadLetterStore.create(config(64L << 20));
                store.open();
                assertEquals(session * 100L, store.storedMessages(), "earlier sessions' dead letters");
                for (long seq = session * 100L; seq < (session + 1) * 100L; seq++)
                {
                    buf.clear();
                    writeFrame(buf, 1, seq, 50, 0);
                    store.offer("s", 1 + session, buf, 0, buf.writerIndex());
                }
                // No drain: close appends what was handed over.
                store.close();
                assertEquals(100, store.written());
                buf.clear();
                writeFrame(buf, 1, 0, 50, 0);
                assertEquals(0, store.offer("s", 1, buf, 0, buf.writerIndex()), "a closed store refuses");
                assertEquals(1, store.refusedFull());
            }
        }
        finally
        {
            buf.release();
        }
        final List<Letter> letters = list(dir);
        assertEquals(300, letters.size());
        for (int i = 0; i < 300; i++)
        {
            assertLetter(letters.get(i), "s", 1 + i / 100, 1, i, 50);
        }
    }

    @Test
    void offerAndDrainDoNotAllocatePerMessage()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        final DeadLetterStore store = DeadLetterStore.create(config(256L << 20), DeadLetterStore.MIN_RING_BYTES);
        // Wrapped buffers, which paranoid leak detection does not track: it records a stack trace at every access
        // of a tracked buffer, which is the test's allocation, not the store's.
        final ByteBuf direct = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(256)).clear();
        final ByteBuf heap = Unpooled.wrappedBuffer(new byte[256]).clear();
        writeFrame(direct, 1, 0, 64, 0);
        writeFrame(heap, 1, 1, 64, 0);
        final String stream = "prices";
        try
        {
            for (int round = 0; round < 3; round++)
            {
                final long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                for (int i = 0; i < 25_000; i++)
                {
                    store.offer(stream, 1, DROP_TIME, direct, 0, direct.writerIndex());
                    store.offer(stream, 2, DROP_TIME, heap, 0, heap.writerIndex());
                    if (i % 1000 == 999)
                    {
                        // Overfill (the refusal path), then drain.
                        while (store.offer(stream, 1, DROP_TIME, direct, 0, direct.writerIndex()) > 0)
                        {
                            // fill
                        }
                        drainAll(store);
                    }
                }
                drainAll(store);
                final long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
                if (round == 2)
                {
                    // About 60k records of 128 bytes to disk: a few disk-use samples per MiB, nothing per message.
                    assertTrue(allocated < 100_000, "allocated " + allocated + " bytes for 50k+ messages");
                }
            }
            assertTrue(store.refusedFull() >= 75, "the refusal path ran");
            assertEquals(0, store.refusedDisk());
        }
        finally
        {
            direct.release();
            heap.release();
            store.close();
        }
    }

    @Test
    void drainingFromAnotherThreadThanTheOwnerIsRejected() throws Exception
    {
        final DeadLetterStore store = DeadLetterStore.create(config(64L << 20));
        try
        {
            store.open();
            final ExecutionException e = assertThrows(ExecutionException.class,
                () -> CompletableFuture.runAsync(() -> store.drain(1)).get());
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertEquals(0L, CompletableFuture.supplyAsync(store::written).get(), "gauges from any thread");
        }
        finally
        {
            store.close();
        }
    }

    @Test
    void aDamagedTailIsSkippedAndCountedAndLaterRecordsAreStillListed() throws IOException
    {
        final ByteBuf buf = Unpooled.directBuffer();
        try
        {
            write(buf, 0, 200);
            final Path[] files = SpillTests.cycleFiles(dir);
            final Path last = files[files.length - 1];
            // Garbage over the last record's bytes: its checksum fails.
            final long end = DamagedFiles.dataEnd(last);
            DamagedFiles.overwrite(last, end - 40, 40);

            final long[] damaged = new long[1];
            List<Letter> letters = list(dir, damaged);
            assertTrue(damaged[0] >= 1, "damage counted");
            assertTrue(letters.size() >= 150 && letters.size() < 200, "the intact prefix: " + letters.size());
            for (int i = 0; i < letters.size(); i++)
            {
                assertLetter(letters.get(i), "s", 1, 1, i, 50);
            }

            // The store reopens over the damage and keeps adding; the listing goes past the damaged file.
            write(buf, 1000, 50);
            letters = list(dir, damaged);
            assertTrue(damaged[0] >= 1, "damage counted");
            final int prefix = letters.size() - 50;
            assertTrue(prefix >= 150 && prefix < 200, "prefix " + prefix);
            for (int i = 0; i < 50; i++)
            {
                assertLetter(letters.get(prefix + i), "s", 1, 1, 1000 + i, 50);
            }
        }
        finally
        {
            buf.release();
        }
    }

    @Test
    void aTruncatedFileIsReadUpToTheCutAndLaterFilesAfterIt() throws IOException
    {
        final ByteBuf buf = Unpooled.directBuffer();
        try
        {
            write(buf, 0, 200);
            final Path[] files = SpillTests.cycleFiles(dir);
            final Path last = files[files.length - 1];
            final long end = DamagedFiles.dataEnd(last);
            try (FileChannel channel = FileChannel.open(last, StandardOpenOption.WRITE))
            {
                channel.truncate(end - 1000);
            }
            final long[] damaged = new long[1];
            List<Letter> letters = list(dir, damaged);
            assertTrue(letters.size() >= 150 && letters.size() < 200, "the intact prefix: " + letters.size());
            for (int i = 0; i < letters.size(); i++)
            {
                assertLetter(letters.get(i), "s", 1, 1, i, 50);
            }

            write(buf, 1000, 50);
            letters = list(dir, damaged);
            assertTrue(damaged[0] >= 1, "damage counted");
            final int prefix = letters.size() - 50;
            assertTrue(prefix >= 150 && prefix < 200, "prefix " + prefix);
            for (int i = 0; i < prefix; i++)
            {
                assertLetter(letters.get(i), "s", 1, 1, i, 50);
            }
            for (int i = 0; i < 50; i++)
            {
                assertLetter(letters.get(prefix + i), "s", 1, 1, 1000 + i, 50);
            }
        }
        finally
        {
            buf.release();
        }
    }

    private void write(final ByteBuf buf, final long from, final int count)
    {
        final DeadLetterStore store = DeadLetterStore.create(config(64L << 20));
        for (long seq = from; seq < from + count; seq++)
        {
            buf.clear();
            writeFrame(buf, 1, seq, 50, 0);
            assertEquals(1, store.offer("s", 1, buf, 0, buf.writerIndex()));
            store.drain(100);
        }
        store.close();
        assertEquals(count, store.written());
    }

}
