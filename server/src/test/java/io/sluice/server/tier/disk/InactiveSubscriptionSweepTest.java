package io.sluice.server.tier.disk;

import io.sluice.spill.SpillStore;
import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sweep over a temporary spill directory with a hand-advanced clock: a durable subscription's directory goes
 * exactly when its stream's {@code inactive-after} has passed since its marker, not before; a locked directory stays;
 * a reconnect restarts the clock; anything outside {@code <stream>/<subscription>} tiers is left alone.
 */
class InactiveSubscriptionSweepTest
{
    private static final long AFTER = 10_000;
    private static final long START = 1_000_000;

    @TempDir
    Path root;

    private final CachedEpochClock clock = new CachedEpochClock();
    private final SpillCounters counters = new SpillCounters();

    private InactiveSubscriptionSweep sweep()
    {
        clock.update(START);
        return new InactiveSubscriptionSweep(root, stream -> stream.equals("kept-for-ever") ? 0 : AFTER,
            InactiveSubscriptionSweep.intervalMs(AFTER), clock, new DiskTierClaims(), counters);
    }

    /** A durable tier's directory as its tier leaves it at close: a main store and the marker. */
    private Path closedTier(final String stream, final String name, final long closedAt, final long backlog)
        throws Exception
    {
        final Path tier = root.resolve(stream).resolve(name);
        Files.createDirectories(tier.resolve("main"));
        Files.write(tier.resolve("main").resolve("20261206-0520V.cq4"), new byte[4096]);
        IdleMarker.write(tier, closedAt, backlog);
        return tier;
    }

    @Test
    void deletesASubscriptionExactlyWhenItsTimeIsUpAndCountsIt() throws Exception
    {
        final InactiveSubscriptionSweep sweep = sweep();
        final Path tier = closedTier("prices", "audit", START, 4096);
        final Path other = closedTier("prices", "fresh", START + 5_000, 100);

        clock.update(START + AFTER - 1);
        assertEquals(0, sweep.doWork() + sweep.sweep(clock.time()));
        assertTrue(Files.exists(tier), "one millisecond early");

        clock.update(START + AFTER);
        assertEquals(1, sweep.sweep(clock.time()));
        assertFalse(Files.exists(tier));
        assertTrue(Files.exists(other), "its own time is not up");
        assertTrue(Files.isDirectory(root.resolve("prices")), "the stream's folder stays");
        assertEquals(1, counters.inactiveDeleted());
        assertEquals(4096, counters.inactiveDeletedBytes());
    }

    @Test
    void sweepsOnlyAtItsInterval() throws Exception
    {
        final InactiveSubscriptionSweep sweep = sweep();
        closedTier("prices", "audit", START - AFTER, 1);
        final long interval = InactiveSubscriptionSweep.intervalMs(AFTER);
        assertEquals(1_000, interval);
        assertEquals(0, sweep.doWork(), "the first sweep waits an interval");
        clock.update(START + interval - 1);
        assertEquals(0, sweep.doWork());
        clock.update(START + interval);
        assertEquals(1, sweep.doWork());
        assertEquals(1, counters.inactiveDeleted());
        assertEquals(0, sweep.doWork(), "not again until the next interval");

        assertEquals(60_000, InactiveSubscriptionSweep.intervalMs(7 * 86_400_000L));
        assertEquals(1_000, InactiveSubscriptionSweep.intervalMs(2_000));
        assertEquals(5_000, InactiveSubscriptionSweep.intervalMs(50_000));
    }

    @Test
    void keepsADirectoryWhoseStoreIsLocked() throws Exception
    {
        final InactiveSubscriptionSweep sweep = sweep();
        final Path tier = closedTier("prices", "audit", START - 10 * AFTER, 1);
        try (FileChannel channel = FileChannel.open(tier.resolve("main").resolve(SpillStore.LOCK_FILE_NAME),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE))
        {
            assertNotNull(channel.lock());
            assertEquals(0, sweep.sweep(START));
            assertTrue(Files.exists(tier.resolve("main")));
            assertEquals(0, counters.inactiveDeleted());
        }
        assertEquals(1, sweep.sweep(START), "once released");
        assertFalse(Files.exists(tier));
    }

    @Test
    void aReconnectRestartsTheClock() throws Exception
    {
        final InactiveSubscriptionSweep sweep = sweep();
        final Path tier = closedTier("prices", "audit", START, 1);

        // The subscription's next connection opens the tier (marker gone, store locked) before the time is up.
        IdleMarker.delete(tier);
        try (FileChannel channel = FileChannel.open(tier.resolve("main").resolve(SpillStore.LOCK_FILE_NAME),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE))
        {
            assertNotNull(channel.lock());
            assertEquals(0, sweep.sweep(START + 2 * AFTER));
        }
        // It closes at START + 2 * AFTER: its clock starts again from there.
        IdleMarker.write(tier, START + 2 * AFTER, 7);
        assertEquals(0, sweep.sweep(START + 3 * AFTER - 1));
        assertTrue(Files.exists(tier));
        assertEquals(1, sweep.sweep(START + 3 * AFTER));
        assertEquals(7, counters.inactiveDeletedBytes());
    }

    @Test
    void aDirectoryFoundIdleWithoutAMarkerStartsItsClockAtThatSweep() throws Exception
    {
        final InactiveSubscriptionSweep sweep = sweep();
        final Path tier = root.resolve("prices").resolve("crashed");
        Files.createDirectories(tier.resolve("main"));

        assertEquals(0, sweep.sweep(START));
        assertEquals(new IdleMarker(START, IdleMarker.UNKNOWN), IdleMarker.read(tier));
        assertEquals(0, sweep.sweep(START + AFTER - 1));
        assertEquals(1, sweep.sweep(START + AFTER));
        assertFalse(Files.exists(tier));
        assertEquals(1, counters.inactiveDeleted());
        assertEquals(0, counters.inactiveDeletedBytes(), "an unknown backlog counts no bytes");
    }

    @Test
    void leavesAloneWhatIsNotADurableSubscription() throws Exception
    {
        final InactiveSubscriptionSweep sweep = sweep();
        final long longAgo = START - 100 * AFTER;
        final Path connection = closedTier("prices", ".conn-42-1", longAgo, 1);
        final Path warmUp = closedTier(".warm-up-42", "main", longAgo, 1);
        final Path forEver = closedTier("kept-for-ever", "audit", longAgo, 1);
        final Path notATier = root.resolve("prices").resolve("notes");
        Files.createDirectories(notATier);
        Files.writeString(notATier.resolve("readme.txt"), "mine");
        final Path looseFile = Files.writeString(root.resolve("prices").resolve("loose"), "mine");
        final Path rootFile = Files.writeString(root.resolve("top"), "mine");

        assertEquals(0, sweep.sweep(START));
        assertEquals(0, sweep.sweep(START + 100 * AFTER));
        for (final Path kept : new Path[] {connection, warmUp, forEver, notATier, looseFile, rootFile})
        {
            assertTrue(Files.exists(kept), kept + " was touched");
        }
        assertFalse(Files.exists(notATier.resolve(IdleMarker.FILE_NAME)), "no marker in what is not a tier");
        assertEquals(0, counters.inactiveDeleted());
    }
}
