package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.SluiceClient;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.lane.AckSnapshot;
import io.sluice.server.lane.LaneSnapshot;
import io.sluice.server.stream.StreamSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.sluice.server.AcknowledgingSubscriberProcess.GAP;
import static io.sluice.server.AcknowledgingSubscriberProcess.RECORD_LENGTH;
import static io.sluice.server.AcknowledgingSubscriberProcess.REDELIVERED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An acknowledging subscriber of a durable subscription on a {@code spill} stream killed with SIGKILL mid-stream, and
 * the subscription taken up by a new process: at least once and no gap. What the first process acknowledged is never
 * delivered again; what the relay sent it and it did not acknowledge comes first on the next connection, flagged
 * redelivered, at the same positions; then what the subscription kept while nobody read it, and the rest, once each
 * and in order. Each process records every frame it processed before the library acknowledges it, so the file is the
 * subscriber's side of the books even after the kill.
 */
@EnabledOnOs(OS.LINUX)
class KilledSubscriberProcessTest
{
    private static final String STREAM = "ledger";
    private static final String SUBSCRIPTION = "audit";
    private static final int PAYLOAD = 64;
    // A million at 300,000/s rather than two: on a loaded two-core machine the child subscriber falls behind the
    // publisher and reads most of the stream back from disk, and two million took over a minute.
    private static final long COUNT = 1_000_000;
    private static final double RATE = 300_000;
    // Far enough into the stream that the relay is sending steadily when the kill comes.
    private static final long KILL_AFTER = 200_000;
    private static final long WAIT_SECONDS = 120;

    @TempDir
    Path dir;

    /** What one process recorded: positions, counters and flags, in the order it processed them. */
    private record Records(long[] positions, long[] counters, byte[] flags)
    {
        int size()
        {
            return positions.length;
        }

        static Records read(final Path file) throws IOException
        {
            final int size = Math.toIntExact(Files.size(file) / RECORD_LENGTH);
            final Records records = new Records(new long[size], new long[size], new byte[size]);
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16)))
            {
                for (int i = 0; i < size; i++)
                {
                    records.positions[i] = in.readLong();
                    records.counters[i] = in.readLong();
                    records.flags[i] = in.readByte();
                }
            }
            return records;
        }
    }

    @Test
    void aKilledSubscribersSuccessorGetsWhatWasNotAcknowledgedAgainFlaggedThenTheRestOnceInOrder() throws Exception
    {
        final StreamConfig spill = StreamConfig.DEFAULT.withStrategy(Strategy.SPILL).withMemoryBytes(1 << 20);
        final RelayConfig config = RelayConfig.builder().port(0).ioThreads(2).spillDirectory(dir.resolve("spill"))
            .stream(STREAM, spill).build();
        final Path firstFile = dir.resolve("first.records");
        final Path secondFile = dir.resolve("second.records");
        try (Relay relay = Relay.start(config);
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final String port = Integer.toString(relay.port());
            final String last = Long.toString(COUNT - 1);
            final PacedPublisher publisher;
            try (ChildJvm first = ChildJvm.start(AcknowledgingSubscriberProcess.class, port, STREAM, SUBSCRIPTION,
                last, firstFile.toString()))
            {
                final long[] welcome = welcome(first);
                assertEquals(1, welcome[0], "a new subscription starts at position 1");
                assertTrue(welcome[1] < 1, "with nothing to deliver again");
                publisher = new PacedPublisher(client.publish(STREAM), COUNT, RATE, PAYLOAD);
                awaitProcessed(first, KILL_AFTER);
                assertEquals(137, first.kill(), "killed by SIGKILL");
            }
            try (publisher)
            {
                // The relay sees the connection end and detaches the lane, which goes on taking what is published.
                await(() -> stream(relay).subscribers() == 0, "the relay let the killed subscriber go");
                // On a loaded machine the subscriber falls behind and the publisher may be done by now: then the rest
                // of the stream waits in the relay's lane, on disk, rather than arriving while nobody reads it.
                System.out.println("killed with " + publisher.sent() + " of " + COUNT + " sent");
                // The connection is gone: what the relay sent it and had acknowledged stays as it is.
                final AckSnapshot away = detachedLane(relay).acks();
                assertNotNull(away, "the detached lane's acknowledgements");

                try (ChildJvm second = ChildJvm.start(AcknowledgingSubscriberProcess.class, port, STREAM, SUBSCRIPTION,
                    last, secondFile.toString()))
                {
                    final long[] welcome = welcome(second);
                    assertEquals(away.acked() + 1, welcome[0], "resumes after the last position acknowledged");
                    assertEquals(away.sent(), welcome[1], "redelivers through the last position sent");

                    final String done = second.awaitLine(WAIT_SECONDS, "done", "lost", "failed");
                    assertNotNull(done, "the second subscriber did not get to the end");
                    assertTrue(done.startsWith("done "), done);
                    assertEquals(0, second.awaitExit(WAIT_SECONDS), done);
                    assertTrue(publisher.await(TimeUnit.SECONDS.toMillis(WAIT_SECONDS)), "the publisher is stuck");
                    assertEquals(null, publisher.failure());
                    assertEquals(COUNT, publisher.sent());

                    check(Records.read(firstFile), Records.read(secondFile), welcome[0], welcome[1]);
                }
            }
        }
    }

    private static void check(final Records first, final Records second, final long firstPosition,
        final long redeliveredThrough)
    {
        // The first run: positions from 1, counters from 0, nothing flagged, no GAP; it processed up to `processed`.
        assertTrue(first.size() >= KILL_AFTER && first.size() < COUNT, "the first run recorded " + first.size());
        for (int i = 0; i < first.size(); i++)
        {
            final int record = i;
            assertEquals(i + 1, first.positions[i], () -> "first run, record " + record);
            assertEquals(i, first.counters[i], () -> "first run, record " + record);
            assertEquals(0, first.flags[i], () -> "first run, record " + record);
        }
        final long processed = first.size();

        // What the relay had as acknowledged is at most what the first run processed: nothing acknowledged was lost.
        assertTrue(firstPosition - 1 <= processed, "the relay resumes at " + firstPosition + " but the first run "
            + "processed only up to position " + processed);
        // Everything the first run processed and did not acknowledge was sent before, so it comes again.
        assertTrue(redeliveredThrough >= processed, "redelivered through " + redeliveredThrough + " but the first run"
            + " processed up to position " + processed);
        final long redelivered = redeliveredThrough - firstPosition + 1;
        assertTrue(redelivered > 0, "the relay had sent nothing unacknowledged at the kill: redelivered through "
            + redeliveredThrough + ", resuming at " + firstPosition);

        // The second run: positions on from WELCOME's, the first `redelivered` of them flagged and no other, no GAP,
        // each position's counter the one it had on the first connection, counters on to the last, once each.
        assertEquals(COUNT - firstPosition + 1, second.size(), "second run's records");
        long flagged = 0;
        for (int i = 0; i < second.size(); i++)
        {
            final long position = firstPosition + i;
            assertEquals(position, second.positions[i], () -> "second run, record at position " + position);
            assertEquals(position - 1, second.counters[i], () -> "second run, counter at position " + position);
            assertEquals(0, second.flags[i] & GAP, () -> "second run, a GAP at position " + position);
            final boolean isRedelivered = (second.flags[i] & REDELIVERED) != 0;
            assertEquals(position <= redeliveredThrough, isRedelivered,
                () -> "second run, flag at position " + position);
            flagged += isRedelivered ? 1 : 0;
        }
        assertEquals(redelivered, flagged, "flagged redelivered: exactly those sent and not acknowledged");

        // Both runs together, the second run's repeats of what the first processed left out: every counter once.
        final long[] seen = new long[Math.toIntExact(COUNT)];
        for (int i = 0; i < first.size(); i++)
        {
            seen[Math.toIntExact(first.counters[i])]++;
        }
        for (int i = 0; i < second.size(); i++)
        {
            if (second.positions[i] > processed)
            {
                seen[Math.toIntExact(second.counters[i])]++;
            }
        }
        for (int i = 0; i < COUNT; i++)
        {
            final int counter = i;
            assertEquals(1, seen[i], () -> "times counter " + counter + " was processed");
        }
        System.out.println("first run processed " + processed + ", the relay resumed at position " + firstPosition
            + " and redelivered " + redelivered + ", " + (processed - firstPosition + 1) + " of them processed before");
    }

    // The child's WELCOME: first position, redelivered through.
    private static long[] welcome(final ChildJvm child) throws InterruptedException
    {
        final String line = child.awaitLine(WAIT_SECONDS, "subscribed", "failed");
        assertNotNull(line, "the subscriber said nothing");
        final String[] words = line.split(" ");
        assertEquals(3, words.length, line);
        return new long[] {Long.parseLong(words[1]), Long.parseLong(words[2])};
    }

    // Waits for the child to say it processed at least `messages`.
    private static void awaitProcessed(final ChildJvm child, final long messages) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (true)
        {
            final long left = TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime());
            final String line = child.awaitLine(Math.max(1, left), "processed ", "lost ", "failed", "done");
            assertNotNull(line, "the subscriber did not process " + messages + " in time");
            assertTrue(line.startsWith("processed "), line);
            if (Long.parseLong(line.substring("processed ".length())) >= messages)
            {
                return;
            }
        }
    }

    private static LaneSnapshot detachedLane(final Relay relay)
    {
        return relay.metrics().lanes().stream().filter(l -> l.subscription().equals(SUBSCRIPTION)).findFirst()
            .orElseThrow(() -> new AssertionError("no lane of subscription " + SUBSCRIPTION));
    }

    private static StreamSnapshot stream(final Relay relay)
    {
        return relay.metrics().streams().stream().filter(s -> s.name().equals(STREAM)).findFirst()
            .orElseThrow(() -> new AssertionError("no stream " + STREAM));
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("not within " + WAIT_SECONDS + " s: " + what);
            }
            Thread.sleep(5);
        }
    }
}
