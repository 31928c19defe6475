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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A durable tier keeps its subscription's idle clock on disk: it writes the {@link IdleMarker} (with the backlog it
 * leaves) when its lane closes and deletes it when the next connection's tier opens the directory; a tier without a
 * durable name writes none.
 */
class DurableTierIdleMarkerTest
{
    private static final int PAYLOAD = 64;
    private static final int FRAME = FrameDescriptor.HEADER_LENGTH + PAYLOAD;

    @TempDir
    Path dir;

    private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final SetTimeProvider time = new SetTimeProvider(TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis()));
    private final DiskTierClaims claims = new DiskTierClaims();
    private final List<Agent> left = new ArrayList<>();
    private final List<DiskTierAgent> agents = new ArrayList<>();

    @AfterEach
    void closeAgents()
    {
        for (final DiskTierAgent agent : agents)
        {
            agent.onClose();
        }
    }

    private DiskTierAgent agent(final DiskTierExchange exchange, final boolean durable)
    {
        final DiskTierStores stores = new DiskTierStores(dir.resolve("tier"), 1L << 30, 64 * 1024,
            config -> config.withTimeProvider(time), 0, false);
        final DiskTierAgent agent = new DiskTierAgent(exchange, stores, durable, 64 * 1024, alloc,
            DurableTierIdleMarkerTest::noWake, new SpillCounters(), claims, left::add, time::currentTimeNanos,
            null, null);
        agent.onStart();
        agents.add(agent);
        return agent;
    }

    private static void noWake()
    {
        // The lane is not simulated here.
    }

    private void handOff(final DiskTierExchange exchange, final int count)
    {
        final ByteBuf run = alloc.directBuffer(count * FRAME);
        for (long seq = 0; seq < count; seq++)
        {
            Frames.writeHeader(run, FRAME, FrameType.DATA, 0, 1, 1, seq, 0);
            run.writeLong(seq);
            run.writeZero(PAYLOAD - Long.BYTES);
        }
        exchange.addToDiskBytes(run.readableBytes());
        assertTrue(exchange.toDisk().offer(run));
    }

    @Test
    void aDurableTierStopsTheClockWhileOpenAndStartsItAtCloseWithItsBacklog() throws Exception
    {
        final Path tier = dir.resolve("tier");
        Files.createDirectories(tier);
        IdleMarker.write(tier, 1, 1);

        final DiskTierExchange exchange = new DiskTierExchange();
        final DiskTierAgent agent = agent(exchange, true);
        agent.doWork();
        assertEquals(DiskTierState.OPEN, exchange.state());
        assertFalse(Files.exists(tier.resolve(IdleMarker.FILE_NAME)), "a connection holds it: no idle clock");

        // The subscriber takes nothing: what the lane spilled is still there at close.
        handOff(exchange, 10);
        agent.doWork();
        final long before = System.currentTimeMillis();
        exchange.laneClosed();
        agent.doWork();
        assertEquals(DiskTierState.CLOSED, exchange.state());
        final IdleMarker marker = IdleMarker.read(tier);
        assertNotNull(marker);
        assertTrue(marker.sinceMillis() >= before, marker.toString());
        assertEquals(10L * FRAME, marker.backlogBytes());

        final DiskTierExchange next = new DiskTierExchange();
        agent(next, true).doWork();
        assertEquals(DiskTierState.OPEN, next.state());
        assertFalse(Files.exists(tier.resolve(IdleMarker.FILE_NAME)), "the reconnect stopped the clock again");
    }

    @Test
    void aTierWithoutADurableNameWritesNoMarker()
    {
        final DiskTierExchange exchange = new DiskTierExchange();
        final DiskTierAgent agent = agent(exchange, false);
        agent.doWork();
        exchange.laneClosed();
        agent.doWork();
        assertEquals(DiskTierState.CLOSED, exchange.state());
        assertFalse(Files.exists(dir.resolve("tier")), "its folder is deleted as before");
    }
}
