package io.sluice.server;

import io.sluice.client.AckMode;
import io.sluice.client.ClientConfig;
import io.sluice.client.MessageHandler;
import io.sluice.client.SluiceClient;
import io.sluice.client.SubscribeOptions;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.Header;
import io.sluice.server.config.AckWindowLimit;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.lane.LaneSnapshot;
import io.sluice.server.lane.LaneTier;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An acknowledging subscriber that keeps its connection and keeps polling but stops acknowledging: the relay stops
 * sending it at the window, and its lane's strategy takes over as for a subscriber that stops reading. On a
 * {@code spill} stream the lane spills, the relay's memory for it stays within lane-bytes, the memory tier and the
 * window, and the producer is not held while the disk tier has room; once the subscriber acknowledges again it
 * receives everything once, in order. Under {@code drop-oldest} every message is accounted for: delivered, or
 * counted in a GAP.
 */
class UnacknowledgingSubscriberTest
{
    private static final String STREAM = "withheld";
    private static final int PAYLOAD = 64;
    private static final int FRAME = 32 + PAYLOAD;
    private static final long LANE_BYTES = 64 * 1024;
    private static final long MEMORY_BYTES = 1024 * 1024;
    private static final int WINDOW_MESSAGES = 2_000;
    private static final int WINDOW_BYTES = 128 * 1024;
    private static final int READ_BYTES = 64 * 1024;
    private static final int MAX_READS_PER_LOOP = 4;
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(120);

    @TempDir
    Path spillDir;

    private Relay start(final StreamConfig stream)
    {
        return Relay.start(RelayConfig.builder().port(0).ioThreads(2).maxReadBytes(READ_BYTES)
            .maxReadsPerLoop(MAX_READS_PER_LOOP)
            .subscriberSendBufferBytes(16 * 1024).spillDirectory(spillDir)
            .stream(STREAM, stream.withAckWindow(new AckWindowLimit(WINDOW_MESSAGES, WINDOW_BYTES))).build());
    }

    /** Checks order and gaps, and keeps what acknowledging needs: the last position, and what came flagged. */
    private static final class Withholding implements MessageHandler
    {
        final GapCheckingHandler checker = new GapCheckingHandler();
        long lastPosition;
        long redelivered;

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            checker.onMessage(buffer, offset, length, header);
            seen(header);
        }

        @Override
        public void onGap(final Header header)
        {
            checker.onGap(header);
            seen(header);
        }

        private void seen(final Header header)
        {
            lastPosition = header.position();
            redelivered += header.isRedelivered() ? 1 : 0;
        }

        long accountedFor()
        {
            return checker.received + checker.gapMessages;
        }
    }

    @Test
    void aSpillLaneWhoseSubscriberStopsAcknowledgingSpillsWithinItsMemoryAndDeliversAllOnceItAcknowledges()
        throws Exception
    {
        final long count = 400_000;
        final StreamConfig spill = StreamConfig.DEFAULT.withStrategy(Strategy.SPILL).withLaneBytes(LANE_BYTES)
            .withMemoryBytes(MEMORY_BYTES);
        try (Relay relay = start(spill);
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             Subscription subscription = client.subscribe(STREAM, "",
                 SubscribeOptions.acknowledged().ackMode(AckMode.EXPLICIT)))
        {
            assertEquals(WINDOW_MESSAGES, subscription.windowMessages());
            assertEquals(WINDOW_BYTES, subscription.windowBytes());
            final Withholding handler = new Withholding();
            // About 38 MB of frames, many times lane, memory tier and window together. The lane may hold the
            // producer for moments while its disk tier opens or its spill thread catches up, as for a subscriber that
            // stops reading; what it must not do is hold it until the subscriber acknowledges.
            long mostHeld = 0;
            long mostPaused = 0;
            try (PacedPublisher publisher = new PacedPublisher(client.publish(STREAM), count, 200_000, PAYLOAD))
            {
                final long deadline = System.nanoTime() + WAIT_NANOS;
                while (lane(relay).messagesIn() < count)
                {
                    assertNull(publisher.failure());
                    assertTrue(System.nanoTime() < deadline, "the lane took " + lane(relay).messagesIn());
                    subscription.poll(handler, 1000);
                    mostHeld = Math.max(mostHeld, heldInMemory(relay));
                    mostPaused = Math.max(mostPaused, relay.metrics().heldBytes());
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                assertTrue(publisher.await(TimeUnit.NANOSECONDS.toMillis(WAIT_NANOS)));
                assertNull(publisher.failure());
            }
            final LaneSnapshot withheld = lane(relay);
            assertTrue(withheld.messagesOut() <= WINDOW_MESSAGES + READ_BYTES / FRAME, "the relay stops at the window"
                + " (and one run): " + withheld);
            final long deadline = System.nanoTime() + WAIT_NANOS;
            while (handler.checker.received < withheld.messagesOut())
            {
                assertTrue(System.nanoTime() < deadline, "polled " + handler.checker + " of " + withheld);
                mostHeld = Math.max(mostHeld, heldInMemory(relay));
                if (subscription.poll(handler, 1000) == 0)
                {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
            }
            assertEquals(withheld.messagesOut(), lane(relay).messagesOut(), "nothing more is sent unacknowledged");
            assertEquals(0, withheld.acks().acked(), withheld.toString());
            assertEquals(withheld.messagesOut(), withheld.acks().sent(), withheld.toString());
            assertTrue(withheld.acks().unackedBytes() <= WINDOW_BYTES + READ_BYTES, withheld.toString());
            assertEquals(LaneTier.DISK, withheld.tier(), withheld.toString());
            assertTrue(withheld.spilled() > count / 2, "spilled: " + withheld);
            assertEquals(0, withheld.holdingProducers(), withheld.toString());
            System.out.println("the lane held the producer for " + withheld.heldNanos() / 1_000_000 + " ms in all;"
                + " the relay held at most " + mostHeld + " bytes for it in memory, " + mostPaused + " in the paused"
                + " publisher's reads");
            // operations.md's sizing: lane-bytes and a run per publisher, the memory tier, the window and a run.
            final long bound = LANE_BYTES + MEMORY_BYTES + WINDOW_BYTES + 2 * READ_BYTES;
            assertTrue(mostHeld <= bound, "the relay held " + mostHeld + " bytes for the lane, more than lane-bytes,"
                + " memory and the window (and a run past each) " + bound);
            // And a paused publisher's reads: (max-reads-per-loop + 1) x (max-read-bytes + one frame).
            assertTrue(mostPaused <= (MAX_READS_PER_LOOP + 1) * (READ_BYTES + FRAME), "paused reads " + mostPaused);
            assertTrue(relay.metrics().peakLaneBytes() <= LANE_BYTES + WINDOW_BYTES + 2 * READ_BYTES,
                "peak lane bytes " + relay.metrics().peakLaneBytes());

            // Acknowledging again, it gets the rest from memory and disk: every message once, in order, none twice.
            while (handler.checker.received < count)
            {
                assertTrue(System.nanoTime() < deadline, handler.checker.toString());
                subscription.acknowledge(handler.lastPosition);
                if (subscription.poll(handler, 1000) == 0)
                {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
            }
            assertTrue(handler.checker.clean(), handler.checker.toString());
            assertEquals(0, handler.checker.gaps, handler.checker.toString());
            assertEquals(count, handler.checker.received, handler.checker.toString());
            assertEquals(count, handler.lastPosition, "one position per message");
            assertEquals(0, handler.redelivered, "nothing is sent twice on a live connection");
            assertTrue(subscription.isConnected(), subscription.closeReason());
        }
    }

    @Test
    void aDropOldestLaneWhoseSubscriberStopsAcknowledgingAccountsForEveryMessage() throws Exception
    {
        final long count = 200_000;
        final StreamConfig dropOldest = StreamConfig.DEFAULT.withStrategyName("drop-oldest")
            .withLaneBytes(LANE_BYTES).withMemoryBytes(256 * 1024);
        try (Relay relay = start(dropOldest);
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             Subscription subscription = client.subscribe(STREAM, "",
                 SubscribeOptions.acknowledged().ackMode(AckMode.EXPLICIT)))
        {
            final Withholding handler = new Withholding();
            // As fast as it goes: a drop policy never holds the producer.
            try (PacedPublisher publisher = new PacedPublisher(client.publish(STREAM), count, 10_000_000, PAYLOAD))
            {
                final long deadline = System.nanoTime() + WAIT_NANOS;
                while (lane(relay).messagesIn() < count)
                {
                    assertNull(publisher.failure());
                    assertTrue(System.nanoTime() < deadline, "the lane took " + lane(relay).messagesIn());
                    subscription.poll(handler, 1000);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                assertTrue(publisher.await(TimeUnit.NANOSECONDS.toMillis(WAIT_NANOS)));
                assertNull(publisher.failure());
            }
            final LaneSnapshot withheld = lane(relay);
            assertTrue(dropped(withheld) > 0, "nothing dropped: " + withheld);
            assertTrue(withheld.messagesOut() <= WINDOW_MESSAGES + READ_BYTES / FRAME, "the relay stops at the window"
                + " (and one run): " + withheld);

            final long deadline = System.nanoTime() + WAIT_NANOS;
            while (handler.accountedFor() < count)
            {
                assertTrue(System.nanoTime() < deadline, handler.checker.toString());
                if (handler.lastPosition > 0)
                {
                    subscription.acknowledge(handler.lastPosition);
                }
                if (subscription.poll(handler, 1000) == 0)
                {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
            }
            final LaneSnapshot after = lane(relay);
            assertTrue(handler.checker.clean(), handler.checker.toString());
            assertEquals(count, handler.accountedFor(), "delivered + dropped (GAPs) = sent: " + handler.checker);
            assertEquals(dropped(after), handler.checker.gapMessages, "the GAPs count the lane's drops: " + after);
            assertEquals(0, handler.redelivered, "nothing is sent twice on a live connection");
            assertTrue(subscription.isConnected(), subscription.closeReason());
            System.out.println("drop-oldest: " + handler.checker);
        }
    }

    // What the relay holds in memory for the stream's lane: the hand-off, the memory tier and the frames sent and not
    // acknowledged (the outbound buffer's frames are among them).
    private static long heldInMemory(final Relay relay)
    {
        final LaneSnapshot lane = lane(relay);
        return lane.queuedBytes() + lane.memoryBytes() + lane.acks().unackedBytes();
    }

    private static long dropped(final LaneSnapshot lane)
    {
        long dropped = 0;
        for (final long count : lane.droppedByReason().values())
        {
            dropped += count;
        }
        return dropped;
    }

    private static LaneSnapshot lane(final Relay relay)
    {
        return relay.metrics().lanes().stream().filter(l -> l.stream().equals(STREAM)).findFirst()
            .orElseThrow(() -> new AssertionError("no lane on " + STREAM));
    }
}
