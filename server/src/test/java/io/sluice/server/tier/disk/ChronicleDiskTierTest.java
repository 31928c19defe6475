package io.sluice.server.tier.disk;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.server.NearlyFullDisk;
import io.sluice.server.drop.DropReason;
import io.sluice.spill.SpillConfig;
import io.sluice.spill.SpillStore;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The disk tier driven directly, the test thread acting as the lane's event loop, with a real spill thread: what a
 * closing lane hands over is kept however much it is; the quota is the lane's, heads and main together; a disk that
 * refuses still gives back, in order, what the tier took; a failure closes the stores and hands back what the tier
 * held.
 */
class ChronicleDiskTierTest
{
    private static final int PAYLOAD = 64;
    private static final int FRAME = FrameDescriptor.HEADER_LENGTH + PAYLOAD;

    @TempDir
    Path dir;

    private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final SpillWorker worker = new SpillWorker();
    private final SpillCounters counters = new SpillCounters();
    private final List<Long> received = new ArrayList<>();

    @AfterEach
    void stopWorker()
    {
        worker.close();
    }

    private ChronicleDiskTier tier(final boolean durable, final long quota, final UnaryOperator<SpillConfig> settings)
    {
        return tier(durable, quota, settings, 0);
    }

    private ChronicleDiskTier tier(
        final boolean durable, final long quota, final UnaryOperator<SpillConfig> settings, final long closeReserve)
    {
        return new ChronicleDiskTier(worker, dir.resolve("tier"), durable, quota, 64 * 1024, alloc, () -> {},
            counters, settings, closeReserve, null);
    }

    /** DATA frames of source 1 with sequences {@code [from, from + count)}, each payload starting with its sequence. */
    private ByteBuf frames(final long from, final int count)
    {
        final ByteBuf buf = alloc.directBuffer(count * FRAME);
        for (long seq = from; seq < from + count; seq++)
        {
            Frames.writeHeader(buf, FRAME, FrameType.DATA, 0, 1, 1, seq, 0);
            buf.writeLong(seq);
            buf.writeZero(PAYLOAD - Long.BYTES);
        }
        return buf;
    }

    /** Offers a run until the tier takes it (it may be opening, or its hand-over full). */
    private void offer(final ChronicleDiskTier tier, final long from, final int count)
    {
        final ByteBuf run = frames(from, count);
        try
        {
            await(() -> tier.offer(run, 0, run.writerIndex(), count) == run.writerIndex(), "the tier takes a run");
        }
        finally
        {
            run.release();
        }
    }

    /** Takes restored chunks, noting their sequences, until {@code count} frames have come. */
    private void receive(final ChronicleDiskTier tier, final long count)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (received.size() < count)
        {
            final ByteBuf chunk = tier.pollRestored();
            if (chunk == null)
            {
                assertTrue(System.nanoTime() < deadline, "received only " + received.size() + " of " + count);
                LockSupport.parkNanos(100_000);
                continue;
            }
            for (int i = chunk.readerIndex(); i < chunk.writerIndex(); i += Frames.frameLength(chunk, i))
            {
                assertEquals(FrameType.DATA, Frames.type(chunk, i));
                received.add(Frames.sequence(chunk, i));
            }
            chunk.release();
        }
    }

    /**
     * Offers runs of {@code perRun} frames from sequence {@code from} until the tier says it is full.
     *
     * @param take whether to take restored chunks meanwhile, as a lane whose subscriber reads does.
     * @return the next sequence.
     */
    private long offerUntilFull(final ChronicleDiskTier tier, final long from, final int perRun, final boolean take)
    {
        long seq = from;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!tier.isFull())
        {
            assertTrue(System.nanoTime() < deadline, "the tier never filled");
            final ByteBuf run = frames(seq, perRun);
            if (tier.offer(run, 0, run.writerIndex(), perRun) == run.writerIndex())
            {
                seq += perRun;
            }
            else
            {
                LockSupport.parkNanos(100_000);
            }
            run.release();
            if (take)
            {
                takeWhatIsReady(tier);
            }
        }
        return seq;
    }

    /** Takes the restored chunks that are ready, without waiting. */
    private void takeWhatIsReady(final ChronicleDiskTier tier)
    {
        ByteBuf chunk;
        while ((chunk = tier.pollRestored()) != null)
        {
            for (int i = chunk.readerIndex(); i < chunk.writerIndex(); i += Frames.frameLength(chunk, i))
            {
                received.add(Frames.sequence(chunk, i));
            }
            chunk.release();
        }
    }

    private void assertReceivedInOrder(final long count)
    {
        assertEquals(count, received.size());
        for (int i = 0; i < count; i++)
        {
            if (received.get(i) != i)
            {
                fail("frame " + i + " is sequence " + received.get(i));
            }
        }
    }

    private static void await(final BooleanSupplier condition, final String what)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "timed out: " + what);
            LockSupport.parkNanos(100_000);
        }
    }

    private static void closeAndAwait(final ChronicleDiskTier tier)
    {
        tier.close();
        await(tier::isFinished, "the tier finishes");
    }

    @Test
    void aClosingDurableLaneHandsOverEverythingItHolds()
    {
        final ChronicleDiskTier first = tier(true, 1L << 30, UnaryOperator.identity());
        // What a lane holds at close, far more pieces than the old hand-over queues (1024 head chunks, 64 runs) took:
        // its memory tier (older than anything on disk), then runs it spilled, then its hand-off (newest).
        for (long seq = 0; seq < 2000; seq++)
        {
            first.handOverHead(frames(seq, 1));
        }
        for (long seq = 2000; seq < 3000; seq += 10)
        {
            offer(first, seq, 10);
        }
        for (long seq = 3000; seq < 4000; seq++)
        {
            first.handOverTail(frames(seq, 1));
        }
        closeAndAwait(first);
        assertEquals(0, counters.lostBytes());

        final ChronicleDiskTier second = tier(true, 1L << 30, UnaryOperator.identity());
        receive(second, 4000);
        assertReceivedInOrder(4000);
        await(second::isEmpty, "every frame came back");
        closeAndAwait(second);
    }

    /**
     * A subscriber that leaves before its tier has opened (the spill thread busy, as with Chronicle's warm-up) and
     * reconnects at once: the new tier waits for the old one to open, keep the hand-over and close, then delivers it.
     * It used to open the directory first and fail ("already open").
     */
    @Test
    void aReconnectWaitsForThePreviousConnectionsTier() throws Exception
    {
        final java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
        worker.submit(() ->
        {
            try
            {
                busy.await();
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        });
        final ChronicleDiskTier first = tier(true, 1L << 30, UnaryOperator.identity());
        for (long seq = 0; seq < 100; seq++)
        {
            first.handOverTail(frames(seq, 1));
        }
        first.close();
        final ChronicleDiskTier second = tier(true, 1L << 30, UnaryOperator.identity());
        busy.countDown();
        receive(second, 100);
        assertReceivedInOrder(100);
        assertEquals(0, counters.failures(), "no tier failed");
        await(first::isFinished, "the first tier finished");
        closeAndAwait(second);
    }

    @Test
    void theQuotaIsTheLanesHeadsAndMainTogether() throws Exception
    {
        final long quota = 4L << 20;
        final ChronicleDiskTier first = tier(true, quota, UnaryOperator.identity());
        // A head store of 3 MiB of frames: a lane that closed with a large memory tier.
        final int perChunk = 64 * 1024 / FRAME;
        long seq = 0;
        while (seq * FRAME < 3L << 20)
        {
            first.handOverHead(frames(seq, perChunk));
            seq += perChunk;
        }
        closeAndAwait(first);

        final ChronicleDiskTier second = tier(true, quota, UnaryOperator.identity());
        await(second::hasRoom, "open");
        // The lane spills until the tier is full: main may use only what the head leaves.
        seq = offerUntilFull(second, seq, 100, false);
        final long used = allocatedBytes(dir.resolve("tier"));
        assertTrue(used <= quota, "the lane's stores use " + used + " bytes of a quota of " + quota);
        // Everything it took comes back, in order (what the full store refused passes through once it is drained).
        receive(second, seq);
        assertReceivedInOrder(seq);
        closeAndAwait(second);
    }

    @Test
    void aDiskWithoutRoomStillGivesBackWhatTheTierTookInOrder()
    {
        final NearlyFullDisk disk = new NearlyFullDisk(dir);
        final ChronicleDiskTier tier = tier(false, 1L << 30, config -> config.withFileStore(disk));
        offer(tier, 0, 100);
        receive(tier, 100);
        // No room left on the file system: the store refuses, and the runs come back without it.
        disk.usable = 0;
        final long seq = offerUntilFull(tier, 100, 100, true);
        assertFalse(tier.hasRoom(), "a full tier takes nothing");
        receive(tier, seq);
        assertReceivedInOrder(seq);
        await(tier::isEmpty, "the tier is empty: the lane goes back to memory");
        // Space again: the tier takes runs again.
        disk.usable = 1L << 40;
        await(tier::hasRoom, "room again");
        offer(tier, seq, 100);
        receive(tier, seq + 100);
        assertReceivedInOrder(seq + 100);
        closeAndAwait(tier);
    }

    /**
     * A tier that fills and drains again and again (a subscriber that keeps up with a tier at its quota) warns once a
     * minute, not once per spell: it logged 5 lines a second that way (the relay-wide limit).
     */
    @Test
    void aTierThatFillsAgainAndAgainWarnsOnceAMinute()
    {
        final ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        ((Logger)LoggerFactory.getLogger(ChronicleDiskTier.class)).addAppender(log);
        try
        {
            final NearlyFullDisk disk = new NearlyFullDisk(dir);
            final ChronicleDiskTier tier = tier(false, 1L << 30, config -> config.withFileStore(disk));
            long seq = 0;
            for (int spell = 0; spell < 3; spell++)
            {
                disk.usable = 0;
                seq = offerUntilFull(tier, seq, 100, true);
                receive(tier, seq);
                await(tier::isEmpty, "the tier empties");
                disk.usable = 1L << 40;
                await(tier::hasRoom, "room again");
            }
            assertReceivedInOrder(seq);
            final long warnings = log.list.stream().filter(e -> e.getFormattedMessage().contains(" full (")).count();
            assertEquals(1, warnings, "one WARN for three spells");
            closeAndAwait(tier);
        }
        finally
        {
            ((Logger)LoggerFactory.getLogger(ChronicleDiskTier.class)).detachAppender(log);
        }
    }

    /**
     * A durable tier on a nearly full disk stops taking runs while free space is within its close reserve (beyond the
     * margin), so that its lane's hand-over at close still finds room: everything comes back on the next connection.
     * Without the reserve this tier never filled: it would take runs down to the margin and leave no room for the
     * hand-over (on a real 64 MiB tmpfs a frozen durable subscriber's lane lost 9.4 MB at close that way).
     */
    @Test
    void aDurableTierKeepsRoomForItsHandOverOnANearlyFullDisk()
    {
        final NearlyFullDisk disk = new NearlyFullDisk(dir);
        disk.total = 64L << 20;
        final long margin = 4L << 20;
        final long reserve = 8L << 20;
        disk.usable = margin + reserve - (2L << 20);
        final ChronicleDiskTier first = tier(true, 1L << 30, config -> config.withFileStore(disk), reserve);
        // Free space is above the margin but within the reserve: the tier refuses and gives back what it took.
        final long spilled = offerUntilFull(first, 0, 100, false);
        // What the lane holds at close (its hand-off): 4 MiB, more than the tier would have left free without a
        // reserve.
        final int perChunk = 64 * 1024 / FRAME;
        long seq = spilled;
        while ((seq - spilled) * FRAME < 4L << 20)
        {
            first.handOverTail(frames(seq, perChunk));
            seq += perChunk;
        }
        closeAndAwait(first);
        assertEquals(0, counters.lostBytes(), "the hand-over was written whole");

        final ChronicleDiskTier second = tier(true, 1L << 30, config -> config.withFileStore(disk), reserve);
        receive(second, seq);
        assertReceivedInOrder(seq);
        closeAndAwait(second);
    }

    @Test
    void aFailureClosesTheStoresAndHandsBackWhatTheTierHeld()
    {
        final NearlyFullDisk disk = new NearlyFullDisk(dir);
        final ChronicleDiskTier first = tier(true, 1L << 30, config -> config.withFileStore(disk));
        offer(first, 0, 1000);
        receive(first, 500);
        // The next free-space reading throws as a fault in a mapped file does: an Error, on the spill thread.
        disk.fault = true;
        final long seq = offerUntilFull(first, 1000, 1000, false);
        assertFalse(first.hasRoom());
        assertEquals(1, counters.failures());
        // The lane takes back what the tier held in memory: restored chunks and runs not yet on disk, in order.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!first.isEmpty())
        {
            assertTrue(System.nanoTime() < deadline, "the failed tier never emptied: the lane would stall");
            takeWhatIsReady(first);
        }
        for (int i = 1; i < received.size(); i++)
        {
            assertTrue(received.get(i) > received.get(i - 1), "in order at " + i + ": " + received.get(i));
        }
        closeAndAwait(first);

        // The stores were closed: the subscription's next connection opens the directory and gets what stayed there.
        disk.fault = false;
        final List<Long> before = new ArrayList<>(received);
        received.clear();
        final ChronicleDiskTier second = tier(true, 1L << 30, config -> config.withFileStore(disk));
        await(() -> second.hasRoom() || second.isFull(), "the directory opens again");
        assertFalse(second.isFull(), "the second tier works");
        final long rest = seq - before.size();
        receive(second, rest);
        final List<Long> all = new ArrayList<>(before);
        all.addAll(received);
        all.sort(Long::compare);
        for (int i = 0; i < seq; i++)
        {
            assertEquals(i, all.get(i), "every frame once, across the two connections");
        }
        closeAndAwait(second);
    }

    /**
     * A hole of zeros in a stored backlog (two sources, interleaved): the startup line gives the bytes really there,
     * each source's lost range arrives as one GAP (reason spill-damage) before its next message, and the loss is
     * counted in bytes and messages. Everything else arrives in order, and the tier empties (its byte count adds up).
     */
    @Test
    void damageIsAnnouncedAsGapsAndCounted() throws IOException
    {
        final ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        ((Logger)LoggerFactory.getLogger(ChronicleDiskTier.class)).addAppender(log);
        final int frames = 20_000;
        final long[] sent = {0, 0, 0};
        try
        {
            // The backlog as the tier stores it: batches of up to 64 KiB, sources 1 and 2 taking turns every 50.
            final Path main = dir.resolve("tier").resolve("main");
            try (SpillStore store = SpillStore.open(SpillConfig.of(main, 1L << 30).withMaxFrameLength(64 * 1024)))
            {
                final ByteBuf all = alloc.directBuffer(frames * FRAME);
                for (int i = 0; i < frames; i++)
                {
                    final int source = 1 + (i / 50) % 2;
                    Frames.writeHeader(all, FRAME, FrameType.DATA, 0, 1, source, sent[source]++, 0);
                    all.writeLong(i);
                    all.writeZero(PAYLOAD - Long.BYTES);
                }
                for (int at = 0, length; at < all.writerIndex(); at += length)
                {
                    length = ChronicleDiskTier.batchLength(all, at, all.writerIndex(), 64 * 1024);
                    assertEquals(SpillStore.OK, store.append(all, at, length));
                }
                all.release();
            }
            final Path file;
            try (var files = Files.list(main))
            {
                file = files.filter(f -> f.toString().endsWith(".cq4")).findFirst().orElseThrow();
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
            {
                channel.write(ByteBuffer.allocate(64 * 1024), 1L << 20);
            }

            final ChronicleDiskTier tier = tier(true, 1L << 30, UnaryOperator.identity());
            final List<long[]> gaps = new ArrayList<>();
            final long[] next = {0, 0, 0};
            long data = 0;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!tier.isEmpty())
            {
                assertTrue(System.nanoTime() < deadline, "the tier never emptied after " + data + " frames");
                final ByteBuf chunk = tier.pollRestored();
                if (chunk == null)
                {
                    LockSupport.parkNanos(100_000);
                    continue;
                }
                for (int i = chunk.readerIndex(); i < chunk.writerIndex(); i += Frames.frameLength(chunk, i))
                {
                    final int source = Frames.sourceId(chunk, i);
                    final long sequence = Frames.sequence(chunk, i);
                    if (Frames.type(chunk, i) == FrameType.GAP)
                    {
                        assertEquals(DropReason.SPILL_DAMAGE, Frames.gapReason(chunk, i));
                        assertEquals(sequence, Frames.gapFromSequence(chunk, i), "a GAP's sequence is its from");
                        assertEquals(next[source], sequence,
                            "the GAP starts after the last message of source " + source);
                        gaps.add(new long[] {source, sequence, Frames.gapToSequence(chunk, i),
                            Frames.gapDroppedCount(chunk, i)});
                        next[source] = Frames.gapToSequence(chunk, i) + 1;
                        continue;
                    }
                    data++;
                    // Each source's messages in order, a jump only where a GAP said so.
                    assertEquals(next[source], sequence, "source " + source);
                    next[source]++;
                }
                chunk.release();
            }
            assertEquals(sent[1], next[1], "source 1 accounted for to its last message");
            assertEquals(sent[2], next[2], "source 2 accounted for to its last message");
            final long lostMessages = frames - data;
            assertTrue(lostMessages > 0 && lostMessages <= 3 * 64 * 1024 / FRAME, "lost " + lostMessages);
            assertEquals(2, gaps.size(), "one GAP per source: " + gaps.size());
            long announced = 0;
            for (final long[] gap : gaps)
            {
                announced += gap[3];
            }
            assertEquals(lostMessages, announced, "every message lost is announced");
            assertEquals(lostMessages, counters.damagedMessages());
            assertEquals(lostMessages * FRAME, counters.damagedBytes(), "bytes counted exactly");
            final long opened = log.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("opened with"))
                .mapToLong(m -> Long.parseLong(m.replaceAll(".*opened with (\\d+) bytes.*", "$1")))
                .findFirst().orElseThrow();
            assertEquals((long)data * FRAME, opened, "the startup line gives what is really there");
            closeAndAwait(tier);
        }
        finally
        {
            ((Logger)LoggerFactory.getLogger(ChronicleDiskTier.class)).detachAppender(log);
        }
    }

    /** @return bytes the files under {@code dir} allocate ({@code du}). */
    private static long allocatedBytes(final Path dir) throws IOException, InterruptedException
    {
        final Process du = new ProcessBuilder("du", "-s", "-B1", dir.toString()).start();
        final String out = new String(du.getInputStream().readAllBytes()).trim();
        assertEquals(0, du.waitFor());
        return Long.parseLong(out.split("\\s+")[0]);
    }
}
