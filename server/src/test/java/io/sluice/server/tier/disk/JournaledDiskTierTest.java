package io.sluice.server.tier.disk;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import net.openhft.chronicle.core.time.SetTimeProvider;
import org.agrona.concurrent.Agent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A journaled disk tier (an acknowledging durable subscription: every frame through {@code main}, kept until
 * acknowledged) driven by hand: the test calls {@link DiskTierAgent#doWork()} and plays the lane through the
 * {@link DiskTierExchange}; a hand-advanced clock drives the floor's interval; the stores are real. A crash is played
 * by closing the stores without the tier's shutdown: what is on disk then is what a killed relay leaves.
 */
class JournaledDiskTierTest
{
    private static final int PAYLOAD = 64;
    private static final int FRAME = FrameDescriptor.HEADER_LENGTH + PAYLOAD;
    private static final int SOURCE = 7;

    @TempDir
    Path dir;

    private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final SetTimeProvider time = new SetTimeProvider(TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis()));
    private final DiskTierClaims claims = new DiskTierClaims();
    private final List<Agent> left = new ArrayList<>();
    private final List<DiskTierAgent> agents = new ArrayList<>();
    private final AppendWatches watches = new AppendWatches();
    private DiskTierStores stores;

    @AfterEach
    void closeAgents()
    {
        for (final DiskTierAgent agent : agents)
        {
            agent.onClose();
        }
    }

    private Path tier()
    {
        return dir.resolve("tier");
    }

    private DiskTierAgent agent(final DiskTierExchange exchange, final JournalStart start)
    {
        stores = new DiskTierStores(tier(), 1L << 30, 64 * 1024, config -> config.withTimeProvider(time), 0, true);
        final DiskTierAgent agent = new DiskTierAgent(exchange, stores, true, 64 * 1024, alloc, () -> {},
            new SpillCounters(), claims, left::add, time::currentTimeNanos,
            new AckedFloor(tier(), start.acked(), start.sent()), watches);
        agent.onStart();
        agents.add(agent);
        agent.doWork();
        assertEquals(DiskTierState.OPEN, exchange.state());
        return agent;
    }

    /** Runs of {@code perRun} DATA frames of one source, sequences {@code [from, to)}, handed to the tier. */
    private void handOff(final DiskTierExchange exchange, final long from, final long to, final int perRun)
    {
        for (long run = from; run < to; run += perRun)
        {
            final ByteBuf buf = alloc.directBuffer(perRun * FRAME);
            for (long seq = run; seq < Math.min(to, run + perRun); seq++)
            {
                Frames.writeHeader(buf, FRAME, FrameType.DATA, 0, 1, SOURCE, seq, 0);
                buf.writeLong(seq);
                buf.writeZero(PAYLOAD - Long.BYTES);
            }
            exchange.addToDiskBytes(buf.readableBytes());
            assertTrue(exchange.toDisk().offer(buf));
        }
    }

    /** Turns until nothing more comes back; the sequences of every frame restored, chunks released. */
    private static List<Long> restoreAll(final DiskTierAgent agent, final DiskTierExchange exchange)
    {
        final List<Long> sequences = new ArrayList<>();
        for (int idle = 0; idle < 3; )
        {
            agent.doWork();
            ByteBuf chunk;
            boolean took = false;
            while ((chunk = exchange.fromDisk().poll()) != null)
            {
                took = true;
                for (int i = chunk.readerIndex(); i < chunk.writerIndex(); i += Frames.frameLength(chunk, i))
                {
                    sequences.add(Frames.sequence(chunk, i));
                }
                chunk.release();
            }
            idle = took ? 0 : idle + 1;
        }
        return sequences;
    }

    private static List<Long> range(final long from, final long to)
    {
        final List<Long> list = new ArrayList<>();
        for (long seq = from; seq < to; seq++)
        {
            list.add(seq);
        }
        return list;
    }

    private void close(final DiskTierAgent agent, final DiskTierExchange exchange, final long acked, final long sent)
    {
        exchange.positionsAtClose(acked, sent);
        exchange.laneClosed();
        agent.doWork();
        assertEquals(DiskTierState.CLOSED, exchange.state());
    }

    @Test
    void whatWasSentAndNotAcknowledgedComesBackFromDiskAtTheSamePositions() throws Exception
    {
        final DiskTierExchange first = new DiskTierExchange();
        final DiskTierAgent agent = agent(first, new JournalStart(0, 0));
        // Ten records of ten frames: positions 1..100 are sequences 0..99.
        handOff(first, 0, 100, 10);
        assertEquals(range(0, 100), restoreAll(agent, first));
        first.acknowledged(35);
        time.advanceMillis(101);
        agent.doWork();
        assertEquals(new PositionsFile(35, AckedFloor.LEASE_STEP + 100), PositionsFile.read(tier()),
            "the floor, and a lease ahead of what went to the lane");
        close(agent, first, 35, 100);
        assertEquals(new PositionsFile(35, 100), PositionsFile.read(tier()), "exact at close");

        final DiskTierExchange second = new DiskTierExchange();
        final DiskTierAgent next = agent(second, new JournalStart(35, 100));
        assertEquals(range(35, 100), restoreAll(next, second),
            "from position 36 on: the acknowledged part of the record that holds it is not sent again");
    }

    @Test
    void aCrashLosesNothingTheTierTookAndResumesFromTheFloorItLastWrote() throws Exception
    {
        final DiskTierExchange first = new DiskTierExchange();
        final DiskTierAgent agent = agent(first, new JournalStart(0, 0));
        handOff(first, 0, 100, 10);
        assertEquals(range(0, 100), restoreAll(agent, first));
        first.acknowledged(42);
        time.advanceMillis(101);
        agent.doWork();
        // Acknowledged after the floor was written: a crash forgets it.
        first.acknowledged(90);
        agent.doWork();
        handOff(first, 100, 120, 10);
        agent.doWork();
        // The relay dies: no hand-over, no positions at close, the stores' files as they are.
        stores.close();
        first.releaseAll();
        agents.remove(agent);
        claims.release(agent);

        final PositionsFile kept = PositionsFile.read(tier());
        assertNotNull(kept);
        assertEquals(42, kept.acked(), "the last floor written");
        assertTrue(kept.sent() >= 100, "the lease covers everything sent: " + kept.sent());
        final DiskTierExchange second = new DiskTierExchange();
        final DiskTierAgent next = agent(second, new JournalStart(kept.acked(), kept.sent()));
        assertEquals(range(42, 120), restoreAll(next, second), "everything after the floor, once, in order");
    }

    @Test
    void aPublisherLearnsWhenItsFramesAreOnDiskAndIsWokenOnceWhileItWaits()
    {
        final int[] wakes = new int[1];
        final AppendWatch watch = new AppendWatch(() -> wakes[0]++);
        watches.register(SOURCE, watch);
        final DiskTierExchange exchange = new DiskTierExchange();
        final DiskTierAgent agent = agent(exchange, new JournalStart(0, 0));
        watch.offered(19);
        assertEquals(-1, watch.ackableThrough(19), "nothing on disk yet");
        assertEquals(-1, watch.ackableThrough(19));
        handOff(exchange, 0, 20, 10);
        agent.doWork();
        assertEquals(1, wakes[0], "woken once, after the append");
        assertEquals(19, watch.ackableThrough(19));
        watch.offered(29);
        handOff(exchange, 20, 30, 10);
        agent.doWork();
        assertEquals(1, wakes[0], "a publisher that did not ask is not woken");
        assertEquals(29, watch.ackableThrough(29));

        watch.offered(39);
        assertEquals(29, watch.ackableThrough(39), "behind: as far as the disk has it");
        close(agent, exchange, 0, 0);
        assertTrue(watch.isFinished(), "a finished tier holds nobody");
        assertEquals(2, wakes[0]);
        final AppendWatch late = new AppendWatch(() -> {});
        watches.register(SOURCE + 1, late);
        assertTrue(late.isFinished(), "registered after the tier finished: finished at once");
    }

    @Test
    void aLaterConnectionsWatchForTheSameSourceOutlivesTheEarliersGoodbye()
    {
        final AppendWatch earlier = new AppendWatch(() -> {});
        final AppendWatch later = new AppendWatch(() -> {});
        watches.register(SOURCE, earlier);
        watches.register(SOURCE, later);
        watches.unregister(SOURCE, earlier);
        final DiskTierExchange exchange = new DiskTierExchange();
        final DiskTierAgent agent = agent(exchange, new JournalStart(0, 0));
        later.offered(9);
        handOff(exchange, 0, 10, 10);
        agent.doWork();
        assertEquals(9, later.ackableThrough(9));
        assertFalse(earlier.isFinished());
    }
}
