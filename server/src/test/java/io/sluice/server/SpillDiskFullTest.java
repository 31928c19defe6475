package io.sluice.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.tier.disk.ChronicleDiskTier;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A spill lane on a nearly full file system (simulated: a 64 MiB file system with 1 MiB usable, below its 4 MiB
 * margin, so the disk tier can store nothing). A new durable subscription's first messages go to its disk tier; they
 * must still reach the subscriber, in order, and the producer be throttled rather than stalled, with a few log lines,
 * not hundreds a second. What the lane holds when its subscriber leaves cannot be written: it is counted and logged.
 */
class SpillDiskFullTest
{
    private static final int PAYLOAD = 64;

    @TempDir
    Path spillDir;

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void captureLog()
    {
        log.start();
        ((Logger)LoggerFactory.getLogger(ChronicleDiskTier.class)).addAppender(log);
    }

    @AfterEach
    void releaseLog()
    {
        ((Logger)LoggerFactory.getLogger(ChronicleDiskTier.class)).detachAppender(log);
    }

    private long lines(final Level level)
    {
        return log.list.stream().filter(e -> e.getLevel() == level).count();
    }

    @Test
    void aLaneThatCannotSpillDeliversFromMemoryAndThrottles() throws Exception
    {
        final NearlyFullDisk disk = new NearlyFullDisk(spillDir);
        disk.total = 64L << 20;
        disk.usable = 1L << 20;
        final long sent = 200_000;
        final OrderCheckingHandler handler = new OrderCheckingHandler();
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).spillDirectory(spillDir)
                .defaultStream(StreamConfig.DEFAULT.withStrategy(Strategy.SPILL).withMemoryBytes(64 * 1024)).build(),
                config -> config.withFileStore(disk));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)))
        {
            final Subscription subscription = client.subscribe("full-disk", "durable-full-disk");
            final Publication publication = client.publish("full-disk");
            final Thread producer = new Thread(() -> Traffic.publishNumbered(publication, sent, PAYLOAD));
            producer.start();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (handler.received < sent)
            {
                assertTrue(System.nanoTime() < deadline, "delivered only " + handler);
                if (subscription.poll(handler, 10_000) == 0)
                {
                    LockSupport.parkNanos(50_000);
                }
            }
            producer.join();
            assertTrue(handler.clean(), handler.toString());
            assertEquals(sent, handler.received);
            assertTrue(lines(Level.WARN) <= 20, "the full disk is reported, not flooded: " + lines(Level.WARN));

            // The subscriber stops reading and the lane fills up to its memory tier (the producer is held back), then
            // the subscriber leaves: nothing it held can be written, which is counted and said.
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
            long backPressured = 0;
            while (backPressured < 10_000)
            {
                if (publication.offer(payload, 0, PAYLOAD) < 0)
                {
                    backPressured++;
                    LockSupport.parkNanos(10_000);
                }
            }
            client.close();
            final long closeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (relay.metrics().spill().lostBytes() == 0)
            {
                assertTrue(System.nanoTime() < closeDeadline, "the loss at close was not counted");
                LockSupport.parkNanos(1_000_000);
            }
            assertTrue(lines(Level.ERROR) >= 1, "the loss at close is logged");
        }
    }
}
