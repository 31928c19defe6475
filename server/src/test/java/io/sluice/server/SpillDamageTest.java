package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.MessageHandler;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.Header;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.drop.DropReason;
import io.sluice.server.tier.disk.SpillCounters;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A durable backlog damaged on disk between two relays (64 KiB of zeros in a spill file): the restarted relay delivers
 * everything else in order, announces what was lost in a GAP frame before the next message (reason spill-damage,
 * the exact range), and counts it.
 */
class SpillDamageTest
{
    private static final int PAYLOAD = 64;

    @TempDir
    Path spillDir;

    private Relay startRelay()
    {
        return Relay.start(RelayConfig.builder().port(0).ioThreads(2).spillDirectory(spillDir)
            .defaultStream(StreamConfig.DEFAULT.withStrategy(Strategy.SPILL).withMemoryBytes(64 * 1024)).build());
    }

    @Test
    void damagedSpillFilesCostOnlyWhatTheyHeldAndTheSubscriberIsTold() throws Exception
    {
        final long sent = 300_000;
        final Checker checker = new Checker();
        try (Relay relay = startRelay();
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)
                 .withReceiveBufferBytes(64 * 1024)))
        {
            final Subscription subscription = client.subscribe("damage", "durable-damage");
            final Publication publication = client.publish("damage");
            Traffic.publishNumbered(publication, sent, PAYLOAD);
            Traffic.awaitAcked(publication, sent - 1);
            while (subscription.poll(checker, 10_000) > 0)
            {
                Thread.onSpinWait();
            }
        }
        // 64 KiB of zeros in the middle of the largest file of the backlog.
        final Path file;
        try (Stream<Path> files = Files.walk(spillDir.resolve("damage").resolve("durable-damage")))
        {
            file = files.filter(f -> f.toString().endsWith(".cq4")).max(Comparator.comparingLong(ChronicleSizes::size))
                .orElseThrow();
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.allocate(64 * 1024), (ChronicleSizes.size(file) / 2) & ~4095L);
        }

        try (Relay relay = startRelay();
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)))
        {
            final Subscription subscription = client.subscribe("damage", "durable-damage");
            // What was on the wire to the first connection when it left is gone; the backlog resumes after it.
            checker.resuming = true;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (checker.next < sent)
            {
                assertTrue(System.nanoTime() < deadline, "after the restart: " + checker);
                if (subscription.poll(checker, 10_000) == 0)
                {
                    LockSupport.parkNanos(100_000);
                }
            }
            assertEquals(sent, checker.next, checker.toString());
            assertEquals("", checker.problem, checker.toString());
            assertTrue(checker.damageGaps >= 1, "the loss was announced: " + checker);
            assertTrue(checker.lostToDamage > 0 && checker.lostToDamage * (PAYLOAD + 32) <= 3 * 64 * 1024,
                "a 64 KiB hole costs what it covered: " + checker);
            final SpillCounters counters = relay.metrics().spill();
            assertEquals(checker.lostToDamage, counters.damagedMessages());
            assertEquals(checker.lostToDamage * (PAYLOAD + 32), counters.damagedBytes());
        }
    }

    /** Checks one source's sequence: each message the next, a jump only where a GAP said so. */
    private static final class Checker implements MessageHandler
    {
        long next;
        long received;
        long damageGaps;
        long lostToDamage;
        boolean resuming;
        String problem = "";

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            received++;
            if (resuming)
            {
                resuming = false;
                next = header.sequence() >= next ? header.sequence() : next;
            }
            if (problem.isEmpty() && (header.sequence() != next || buffer.getLong(offset) != header.sequence()))
            {
                problem = "expected " + next + " got " + header.sequence() + " after " + received;
            }
            next = header.sequence() + 1;
        }

        @Override
        public void onGap(final Header header)
        {
            if (problem.isEmpty() && (header.gapFromSequence() != next || header.gapReason() != DropReason.SPILL_DAMAGE
                || header.gapDroppedCount() != header.gapToSequence() - header.gapFromSequence() + 1))
            {
                problem = "GAP " + header.gapFromSequence() + ".." + header.gapToSequence() + " reason " +
                    header.gapReason() + " when " + next + " was next";
            }
            damageGaps++;
            lostToDamage += header.gapDroppedCount();
            next = header.gapToSequence() + 1;
        }

        @Override
        public String toString()
        {
            return "next=" + next + " received=" + received + " gaps=" + damageGaps + " lost=" + lostToDamage +
                (problem.isEmpty() ? "" : " problem: " + problem);
        }
    }

    /** The end of a file's written data (past it Chronicle's files are sparse zeros). */
    private static final class ChronicleSizes
    {
        static long size(final Path file)
        {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
            {
                final ByteBuffer buf = ByteBuffer.allocate(1 << 20);
                long end = 0;
                for (long position = 0; position < channel.size(); position += buf.capacity())
                {
                    buf.clear();
                    final int n = channel.read(buf, position);
                    for (int i = 0; i < n; i++)
                    {
                        if (buf.get(i) != 0)
                        {
                            end = position + i + 1;
                        }
                    }
                }
                return end;
            }
            catch (final IOException e)
            {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
