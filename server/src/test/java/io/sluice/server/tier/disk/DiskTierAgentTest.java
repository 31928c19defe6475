package io.sluice.server.tier.disk;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.server.NearlyFullDisk;
import io.sluice.spill.SpillConfig;
import io.sluice.spill.SpillStore;
import net.openhft.chronicle.core.time.SetTimeProvider;
import org.agrona.concurrent.Agent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The spill thread's side of a disk tier driven by hand: the test thread calls {@link DiskTierAgent#doWork()} and plays
 * the lane through the {@link DiskTierExchange}; one hand-advanced clock drives the agent's intervals and the store's
 * free-space readings; the stores are real, in a temporary directory.
 */
class DiskTierAgentTest
{
    private static final int PAYLOAD = 64;
    private static final int FRAME = FrameDescriptor.HEADER_LENGTH + PAYLOAD;

    @TempDir
    Path dir;

    private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final SetTimeProvider time = new SetTimeProvider(TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis()));
    private final SpillCounters counters = new SpillCounters();
    private final DiskTierClaims claims = new DiskTierClaims();
    private final List<Agent> left = new ArrayList<>();
    private final List<DiskTierAgent> agents = new ArrayList<>();
    private ByteBufAllocator agentAlloc = alloc;
    private int wakes;

    @AfterEach
    void closeAgents()
    {
        for (final DiskTierAgent agent : agents)
        {
            agent.onClose();
        }
    }

    private DiskTierAgent agent(final DiskTierExchange exchange, final boolean durable, final NearlyFullDisk disk)
    {
        final DiskTierStores stores = new DiskTierStores(dir.resolve("tier"), 1L << 30, 64 * 1024,
            config -> withDisk(config.withTimeProvider(time), disk), 0, false);
        final DiskTierAgent agent = new DiskTierAgent(exchange, stores, durable, 64 * 1024, agentAlloc, () -> wakes++,
            counters, claims, left::add, time::currentTimeNanos, null, null);
        agent.onStart();
        agents.add(agent);
        return agent;
    }

    private static SpillConfig withDisk(final SpillConfig config, final NearlyFullDisk disk)
    {
        return disk == null ? config : config.withFileStore(disk);
    }

    /** DATA frames of source 1 with sequences {@code [from, from + count)}. */
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

    /** What the lane's offer does: the run on the hand-off, its bytes counted. */
    private void handOff(final DiskTierExchange exchange, final long from, final int count)
    {
        final ByteBuf run = frames(from, count);
        exchange.addToDiskBytes(run.readableBytes());
        assertTrue(exchange.toDisk().offer(run));
    }

    /** @return the sequences of every chunk handed back to the lane, each chunk released. */
    private static List<Long> takeRestored(final DiskTierExchange exchange)
    {
        final List<Long> sequences = new ArrayList<>();
        ByteBuf chunk;
        while ((chunk = exchange.fromDisk().poll()) != null)
        {
            for (int i = chunk.readerIndex(); i < chunk.writerIndex(); i += Frames.frameLength(chunk, i))
            {
                sequences.add(Frames.sequence(chunk, i));
            }
            chunk.release();
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

    @Test
    void aFloodingLaneDoesNotKeepTheSubscriberWaitingForWhatIsOnDisk()
    {
        final DiskTierExchange exchange = new DiskTierExchange();
        final DiskTierAgent agent = agent(exchange, false, null);
        agent.doWork();
        // 4 MiB handed off in runs of 64 KiB: eight times what one turn restores.
        final int framesPerRun = 64 * 1024 / FRAME;
        final int runs = (int)(DiskTierExchange.TO_DISK_BYTES / (framesPerRun * FRAME));
        for (int i = 0; i < runs; i++)
        {
            handOff(exchange, (long)i * framesPerRun, framesPerRun);
        }

        agent.doWork();

        final long onDiskAfterOneTurn = (long)runs * framesPerRun * FRAME - exchange.toDiskBytes();
        assertTrue(exchange.toDiskBytes() > 0, "one turn appends a turn's worth, not the whole hand-off");
        // What one turn restores at most, and the run that crossed it.
        assertTrue(onDiskAfterOneTurn <= (long)DiskTierExchange.FROM_DISK_CHUNKS * RestoredChunks.CHUNK_BYTES +
            framesPerRun * FRAME, "appended " + onDiskAfterOneTurn);
        final List<Long> first = takeRestored(exchange);
        assertFalse(first.isEmpty(), "the same turn restores for the subscriber");
        assertEquals(range(0, first.size()), first);

        // The turns that follow append the rest and restore it in order.
        final List<Long> all = new ArrayList<>(first);
        for (int turn = 0; turn < 10 * runs && all.size() < runs * framesPerRun; turn++)
        {
            agent.doWork();
            all.addAll(takeRestored(exchange));
        }
        assertEquals(range(0, (long)runs * framesPerRun), all);
        assertEquals(0, exchange.toDiskBytes());
    }

    @Test
    void opensThenAppendsWhatTheLaneHandedAndRestoresItInOrder()
    {
        final DiskTierExchange exchange = new DiskTierExchange();
        final DiskTierAgent agent = agent(exchange, false, null);
        assertEquals(DiskTierState.OPENING, exchange.state());

        assertEquals(1, agent.doWork());
        assertEquals(DiskTierState.OPEN, exchange.state());
        assertEquals(1, wakes, "the lane is woken once the tier takes runs");
        assertTrue(Files.isDirectory(dir.resolve("tier").resolve("main")));

        handOff(exchange, 0, 100);
        handOff(exchange, 100, 50);
        assertTrue(agent.doWork() > 0);
        assertEquals(0, exchange.toDiskBytes(), "both runs appended");
        assertEquals(range(0, 150), takeRestored(exchange));
        assertEquals(0, agent.doWork(), "nothing more to do");
    }

    @Test
    void restoresAndPassesBackRunsInDirectBuffersWithoutAnAddress()
    {
        // Netty's direct buffers have no address where sun.misc.Unsafe is unavailable.
        agentAlloc = new NoAddressAllocator();
        final NearlyFullDisk disk = new NearlyFullDisk(dir);
        final DiskTierExchange exchange = new DiskTierExchange();
        final DiskTierAgent agent = agent(exchange, false, disk);
        agent.doWork();

        handOff(exchange, 0, 100);
        agent.doWork();
        assertEquals(range(0, 100), takeRestored(exchange), "restored through the store");

        disk.usable = 0;
        time.advanceMillis(100);
        handOff(exchange, 100, 50);
        agent.doWork();
        assertEquals(DiskTierState.FULL, exchange.state());
        assertEquals(range(100, 150), takeRestored(exchange), "a refused run comes straight back");
    }

    /** Direct buffers without a memory address, as Netty allocates them without sun.misc.Unsafe. */
    private static final class NoAddressAllocator extends AbstractByteBufAllocator
    {
        NoAddressAllocator()
        {
            super(true);
        }

        @Override
        protected ByteBuf newHeapBuffer(final int initialCapacity, final int maxCapacity)
        {
            return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newDirectBuffer(final int initialCapacity, final int maxCapacity)
        {
            final ByteBuf buf = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
            assertFalse(buf.hasMemoryAddress());
            return buf;
        }

        @Override
        public boolean isDirectBufferPooled()
        {
            return false;
        }
    }

    @Test
    void aDiskThatRefusesPassesRunsBackAndTakesThemAgainOnceTheClockSaysLookAgain()
    {
        final NearlyFullDisk disk = new NearlyFullDisk(dir);
        final DiskTierExchange exchange = new DiskTierExchange();
        final DiskTierAgent agent = agent(exchange, false, disk);
        agent.doWork();

        disk.usable = 0;
        time.advanceMillis(100);
        handOff(exchange, 0, 100);
        agent.doWork();
        assertEquals(DiskTierState.FULL, exchange.state());
        assertEquals(range(0, 100), takeRestored(exchange), "the refused run came straight back, in order");
        assertEquals(0, exchange.toDiskBytes());

        disk.usable = 1L << 40;
        agent.doWork();
        assertEquals(DiskTierState.FULL, exchange.state(), "no look for room before the interval");
        time.advanceMillis(101);
        final int wakesBefore = wakes;
        agent.doWork();
        assertEquals(DiskTierState.OPEN, exchange.state());
        assertTrue(wakes > wakesBefore, "the lane is told there is room");

        handOff(exchange, 100, 10);
        agent.doWork();
        assertEquals(range(100, 110), takeRestored(exchange));
    }

    @Test
    void aDurableTierKeepsTheHandOverAndTheNextTierForTheDirectoryWaitsForIt()
    {
        final DiskTierExchange first = new DiskTierExchange();
        final DiskTierAgent firstAgent = agent(first, true, null);
        firstAgent.doWork();
        handOff(first, 10, 10);
        first.headAtClose().add(frames(0, 10));
        first.tailAtClose().add(frames(20, 10));

        // The subscription reconnects before the first tier has written the hand-over.
        final DiskTierExchange second = new DiskTierExchange();
        final DiskTierAgent secondAgent = agent(second, true, null);
        assertEquals(0, secondAgent.doWork());
        assertEquals(DiskTierState.OPENING, second.state(), "waits for the first tier");

        assertEquals(DiskTierState.OPEN, first.laneClosed());
        assertEquals(DiskTierState.CLOSING, first.state());
        firstAgent.doWork();
        assertEquals(DiskTierState.CLOSED, first.state());
        assertEquals(List.of(firstAgent), left, "a finished tier leaves the spill thread");
        assertEquals(1, claims.count());
        assertEquals(0, counters.lostBytes());

        secondAgent.doWork();
        assertEquals(DiskTierState.OPEN, second.state());
        final List<Long> restored = new ArrayList<>();
        for (int turn = 0; turn < 10 && restored.size() < 30; turn++)
        {
            secondAgent.doWork();
            restored.addAll(takeRestored(second));
        }
        assertEquals(range(0, 30), restored, "head (older) first, then the spilled run, then the tail");
    }

    @Test
    void aStoreThatThrowsFailsTheTierAndTheLaneTakesBackWhatItHeld() throws Exception
    {
        final NearlyFullDisk disk = new NearlyFullDisk(dir);
        final DiskTierExchange exchange = new DiskTierExchange();
        final DiskTierAgent agent = agent(exchange, false, disk);
        agent.doWork();
        handOff(exchange, 0, 10);
        agent.doWork();
        assertEquals(range(0, 10), takeRestored(exchange));

        // The next free-space reading raises what a fault in a mapped file does.
        disk.fault = true;
        time.advanceMillis(100);
        handOff(exchange, 10, 10);
        final int wakesBefore = wakes;
        agent.doWork();
        assertEquals(DiskTierState.FAILED, exchange.state());
        assertEquals(1, counters.failures());
        assertTrue(wakes > wakesBefore, "the lane is woken to take back what the tier held");
        assertNotNull(exchange.leftovers(), "the chunks read back are the lane's now");
        assertEquals(FRAME * 10L, exchange.toDiskBytes(), "the run not stored waits for the lane");
        disk.fault = false;
        // The stores were closed: the directory opens again (it would be "already open" otherwise).
        SpillStore.open(SpillConfig.of(dir.resolve("tier").resolve("main"), 1L << 30).withMaxFrameLength(64 * 1024))
            .close();
        assertEquals(0, agent.doWork(), "a failed tier waits for its lane");

        // The lane closes without taking the run back: it is released and counted as lost.
        assertEquals(DiskTierState.FAILED, exchange.laneClosed());
        agent.doWork();
        assertEquals(DiskTierState.CLOSED, exchange.state());
        assertEquals(FRAME * 10L, counters.lostBytes());
        assertNull(exchange.toDisk().peek());
        assertEquals(List.of(agent), left);
        assertEquals(0, claims.count());
        assertFalse(Files.exists(dir.resolve("tier")), "a tier without a durable name deletes its folder");
    }

    @Test
    void theSpillThreadStoppingFinishesAnOpenTierAsIfItsLaneHadClosed()
    {
        final DiskTierExchange exchange = new DiskTierExchange();
        final DiskTierAgent agent = agent(exchange, true, null);
        agent.doWork();
        handOff(exchange, 0, 10);
        exchange.tailAtClose().add(frames(10, 10));

        agent.onClose();
        assertEquals(DiskTierState.CLOSED, exchange.state());
        assertEquals(0, counters.lostBytes());
        final DiskTierExchange next = new DiskTierExchange();
        final DiskTierAgent nextAgent = agent(next, true, null);
        nextAgent.doWork();
        nextAgent.doWork();
        assertEquals(range(0, 20), takeRestored(next));
    }
}
