package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.MessageHandler;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SubscribeOptions;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.Header;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A relay killed with SIGKILL during a flood, while an acknowledging durable subscription on a {@code spill} stream
 * has a backlog partly on disk: a new relay on the same spill directory delivers, when the subscriber comes back under
 * the same name, every message the first relay had acknowledged to the publisher. What the subscriber processed before
 * the kill may come again, only within the window and the persisted floor's lag, and flagged redelivered.
 * <p>
 * The publisher and the subscriber live in the test's JVM; only the relay dies. Each message's payload carries its
 * counter, which is also its sequence (one publication from 0), so the publication's acknowledged sequence names the
 * counters the relay answered for.
 */
@Tag("slow")
class RelayCrashAcknowledgedDeliveryTest
{
    private static final String STREAM = "relay-crash";
    private static final String SUBSCRIPTION = "crash-acked";
    private static final int PAYLOAD = 64;
    private static final int FRAME = PAYLOAD + 32;
    private static final String MEMORY = "64KiB";
    private static final int WINDOW = 4096;
    private static final long COUNT = 2_000_000;
    // A ceiling, not a pace: a publisher behind schedule sends at once, so it floods as fast as the relay takes.
    private static final double RATE = 1_000_000;
    // The kill comes once the subscriber is well into the stream and the relay has acknowledged far more than its
    // memory tier, the window and the queues to disk hold (64 KiB + 4096 frames + 4 MiB + 2 MiB is under 80,000
    // frames): much of what it answered for is then on disk only.
    private static final long PROCESSED_BEFORE_KILL = 200_000;
    private static final long ACKED_AHEAD_AT_KILL = 200_000;
    // Read slowly before the kill, so that the backlog builds: a small poll, then a short park.
    private static final int SLOW_POLL_LIMIT = 64;
    private static final long SLOW_POLL_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final long RUN_SECONDS = 30;
    private static final long RESUME_SECONDS = 60;

    @TempDir
    Path spillDir;

    private ChildRelay startRelay(final Path log) throws Exception
    {
        return ChildRelay.start(log, List.of("-Xmx256m"), "--port", "0", "--strategy", "spill", "--memory", MEMORY,
            "--spill-dir", spillDir.toString(), "--ack-window", Integer.toString(WINDOW));
    }

    @Test
    void everyMessageThePublisherHadAcknowledgedArrivesAfterTheRelayIsKilled() throws Exception
    {
        final Run first = new Run(null, -1);
        final long acked;
        final long sentAtKill;
        try (ChildRelay relay = startRelay(Path.of("target", "relay-crash-acked-1.log"));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2));
             Subscription subscription = client.subscribe(STREAM, SUBSCRIPTION, SubscribeOptions.acknowledged()))
        {
            assertEquals(WINDOW, subscription.windowMessages(), "the window granted");
            // Subscribed first, so that the subscription's lane has the stream from its first message.
            final Publication publication = client.publish(STREAM);
            assertEquals(0, publication.firstSequence(), "counters are sequences");
            try (PacedPublisher publisher = new PacedPublisher(publication, COUNT, RATE, PAYLOAD))
            {
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RUN_SECONDS);
                while (first.processed < PROCESSED_BEFORE_KILL ||
                    publication.ackedSequence() < first.highest + ACKED_AHEAD_AT_KILL)
                {
                    if (System.nanoTime() - deadline > 0)
                    {
                        fail("no backlog to kill the relay on within " + RUN_SECONDS + " s: processed " +
                            first.processed + ", the relay acknowledged through " + publication.ackedSequence() +
                            ", sent " + publisher.sent() + "; publisher: " + publisher.failure());
                    }
                    assertEquals(null, publisher.failure(), "publisher");
                    subscription.poll(first, SLOW_POLL_LIMIT);
                    LockSupport.parkNanos(SLOW_POLL_PARK_NANOS);
                }
                sentAtKill = publisher.sent();
                relay.kill();
                // Its connection gone, the publisher stops at its next send (or had sent everything).
                assertTrue(publisher.await(TimeUnit.SECONDS.toMillis(RUN_SECONDS)), "the publisher did not stop");
                assertFalse(publication.isConnected(), "the publication outlived the relay");
                // Final: the relay that could acknowledge more is gone.
                acked = publication.ackedSequence();
            }
            // The application goes on with what it had received; none of it reached the relay as acknowledged.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RUN_SECONDS);
            while (!subscription.isDrained())
            {
                assertTrue(System.nanoTime() - deadline < 0, "the subscription did not drain after the kill");
                if (subscription.poll(first, 1_000) == 0)
                {
                    LockSupport.parkNanos(100_000);
                }
            }
        }
        // The floor the killed relay last wrote: the acknowledged position it resumes after (position p is counter
        // p - 1: the subscription had the stream from its first message).
        final long floor = Long.parseLong(Files.readString(spillDir.resolve(STREAM).resolve(SUBSCRIPTION)
            .resolve("acked-positions")).trim().split(" ")[0]);
        System.out.println("killed the relay with " + sentAtKill + " sent, acknowledged through " + acked +
            "; the subscriber processed " + first.processed + " (through " + first.highest + "), floor " + floor);

        final Run second = new Run(first.seen, acked);
        try (ChildRelay relay = startRelay(Path.of("target", "relay-crash-acked-2.log"));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2));
             Subscription subscription = client.subscribe(STREAM, SUBSCRIPTION, SubscribeOptions.acknowledged()))
        {
            // Until every acknowledged counter was processed, or one beyond them came: in an ordered stream nothing
            // older follows it (the order is asserted below).
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RESUME_SECONDS);
            while (second.toCome > 0 && second.highest <= acked && System.nanoTime() - deadline < 0)
            {
                if (subscription.poll(second, 10_000) == 0)
                {
                    LockSupport.parkNanos(100_000);
                }
            }
            System.out.println("after the restart the relay resumed at position " + subscription.firstPosition() +
                ", redelivering through " + subscription.redeliveredThrough() + "; " + second);
            assertEquals(floor + 1, subscription.firstPosition(), "resumed right after the floor it kept");
        }

        assertNothingAcknowledgedMissing(first, second, acked);
        assertTrue(first.clean() && first.redelivered == 0 && first.lowest == 0 &&
            first.highest == first.processed - 1,
            "before the kill: from counter 0, once each, in order, nothing flagged: " + first);
        assertTrue(second.clean(), "after the restart: " + second);
        assertEquals(0, second.unflaggedDuplicates, "processed before the kill, delivered again without the flag: " +
            "first " + second.firstUnflaggedDuplicate + "; " + second);
        // Duplicates only within the floor's interval: exactly what was processed after the floor the relay kept.
        assertEquals(first.processed - floor, second.duplicates, "processed twice: " + second);
        assertTrue(floor <= first.processed, "the floor is never ahead of what was processed: " + floor);
    }

    private static void assertNothingAcknowledgedMissing(final Run first, final Run second, final long acked)
    {
        long missing = 0;
        long firstMissing = -1;
        long lastMissing = -1;
        long ranges = 0;
        for (int counter = 0; counter <= acked; counter++)
        {
            if (first.seen[counter] == 0 && second.seen[counter] == 0)
            {
                if (lastMissing != counter - 1 || missing == 0)
                {
                    ranges++;
                }
                missing++;
                firstMissing = firstMissing < 0 ? counter : firstMissing;
                lastMissing = counter;
            }
        }
        if (missing > 0)
        {
            fail(missing + " of the " + (acked + 1) + " messages the relay had acknowledged to the publisher " +
                "(counters 0.." + acked + ") never arrived: first missing " + firstMissing + ", last " + lastMissing +
                ", in " + ranges + " range(s); before the kill the subscriber processed counters " + first.lowest +
                ".." + first.highest + ", after the restart " + second.lowest + ".." + second.highest + "; " + second);
        }
    }

    /**
     * One connection's books: which counters it processed, each one's flag, and what breaks the rules.
     */
    private static final class Run implements MessageHandler
    {
        // Per counter: 1 once processed on this connection.
        final byte[] seen = new byte[Math.toIntExact(COUNT)];
        // The earlier connection's, or null.
        private final byte[] earlier;
        // The highest counter the relay acknowledged, once known (-1 before the kill).
        private final long acked;
        // Counters up to acked processed on neither connection.
        long toCome;
        long processed;
        long lowest = -1;
        long highest = -1;
        long redelivered;
        long duplicates;
        long unflaggedDuplicates;
        long firstUnflaggedDuplicate = -1;
        long repeats;
        long outOfOrder;
        long badPayloads;
        long gaps;
        private long lastNew = -1;
        private String firstProblem = "";

        Run(final byte[] earlier, final long acked)
        {
            this.earlier = earlier;
            this.acked = acked;
            for (int counter = 0; counter <= acked; counter++)
            {
                toCome += earlier[counter] == 0 ? 1 : 0;
            }
        }

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            processed++;
            final long counter = buffer.getLong(offset);
            if (length != PAYLOAD || counter != header.sequence() || counter < 0 || counter >= COUNT)
            {
                problem("bad payload: length " + length + ", counter " + counter + ", sequence " + header.sequence());
                badPayloads++;
                return;
            }
            final boolean flagged = header.isRedelivered();
            redelivered += flagged ? 1 : 0;
            lowest = lowest < 0 ? counter : Math.min(lowest, counter);
            highest = Math.max(highest, counter);
            final int index = (int)counter;
            if (seen[index] != 0)
            {
                repeats++;
                problem("counter " + counter + " twice on one connection");
            }
            else if (earlier != null && earlier[index] != 0)
            {
                duplicates++;
                if (!flagged && unflaggedDuplicates++ == 0)
                {
                    firstUnflaggedDuplicate = counter;
                }
            }
            else
            {
                // Counters processed on no connection before come in order.
                if (counter <= lastNew)
                {
                    outOfOrder++;
                    problem("counter " + counter + " after " + lastNew);
                }
                lastNew = Math.max(lastNew, counter);
                toCome -= counter <= acked ? 1 : 0;
            }
            seen[index] = 1;
        }

        @Override
        public void onGap(final Header header)
        {
            gaps++;
            problem("GAP of " + header.gapDroppedCount() + " (sequences " + header.gapFromSequence() + ".." +
                header.gapToSequence() + ")");
        }

        boolean clean()
        {
            return repeats == 0 && outOfOrder == 0 && badPayloads == 0 && gaps == 0;
        }

        private void problem(final String what)
        {
            if (firstProblem.isEmpty())
            {
                firstProblem = what + " after " + processed + " processed";
            }
        }

        @Override
        public String toString()
        {
            return "processed=" + processed + " counters=" + lowest + ".." + highest + " redelivered=" + redelivered +
                " duplicates=" + duplicates + " unflaggedDuplicates=" + unflaggedDuplicates + " repeats=" + repeats +
                " outOfOrder=" + outOfOrder + " badPayloads=" + badPayloads + " gaps=" + gaps +
                (firstProblem.isEmpty() ? "" : "; first problem: " + firstProblem);
        }
    }
}
