package io.sluice.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Hello;
import io.sluice.core.protocol.Role;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.OnStuck;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.config.StuckPolicy;
import io.sluice.server.config.Strategy;
import io.sluice.server.lane.LaneSnapshot;
import io.sluice.server.stream.StreamSnapshot;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Acknowledged delivery over real sockets (protocol.md §4.3), with a subscriber written from the document: positions
 * from WELCOME's sequence, a subscriber that stops acknowledging holds its producers through the window and releases
 * them with its ACKs, a durable subscription gets what it did not acknowledge again, flagged, at the same positions,
 * and ACKs the relay cannot take are refused with a named error.
 */
class AcknowledgedDeliveryTest
{
    private static final String STREAM = "acked";
    private static final int PAYLOAD = 64;
    private static final long DEADLINE_MS = 60_000;

    @TempDir
    Path spillDir;

    private RelayConfig relay(final StreamConfig stream)
    {
        // The raw subscriber sends no heartbeats: the relay's timeout outlasts each test.
        return RelayConfig.builder().port(0).ioThreads(2).heartbeatTimeoutMs(120_000)
            .subscriberSendBufferBytes(16 * 1024).spillDirectory(spillDir).stream(STREAM, stream).build();
    }

    private static byte[] acknowledgingHello(final String subscription, final int windowMessages)
    {
        return acknowledgingHello(subscription, windowMessages, 0);
    }

    private static byte[] acknowledgingHello(final String subscription, final int windowMessages,
        final int windowBytes)
    {
        final ByteBuf frame = Frames.hello(UnpooledByteBufAllocator.DEFAULT,
            Hello.acknowledgingSubscriber(STREAM, subscription, "", windowMessages, windowBytes), 0);
        try
        {
            return ByteBufUtil.getBytes(frame);
        }
        finally
        {
            frame.release();
        }
    }

    private static byte[] ack(final int streamId, final long position)
    {
        return RawFrames.frame(FrameType.ACK, 0, streamId, 0, position, new byte[0]);
    }

    private static RawPeer.Frame welcome(final RawPeer peer) throws Exception
    {
        final RawPeer.Frame welcome = peer.readFrame();
        assertEquals(FrameType.WELCOME, welcome.type(), welcome.toString());
        assertEquals(Frames.ACKNOWLEDGED_WELCOME_PAYLOAD_LENGTH, welcome.payload().length);
        return welcome;
    }

    private static long redeliveredThrough(final RawPeer.Frame welcome)
    {
        return ByteBuffer.wrap(welcome.payload()).getLong(24);
    }

    private static int grantedMessages(final RawPeer.Frame welcome)
    {
        return ByteBuffer.wrap(welcome.payload()).getInt(16);
    }

    // The next DATA frame, past heartbeats.
    private static RawPeer.Frame nextData(final RawPeer peer) throws Exception
    {
        RawPeer.Frame frame;
        do
        {
            frame = peer.readFrame();
        }
        while (frame.type() == FrameType.HEARTBEAT);
        assertEquals(FrameType.DATA, frame.type(), frame.toString());
        return frame;
    }

    private static long counter(final RawPeer.Frame data)
    {
        return ByteBuffer.wrap(data.payload()).order(ByteOrder.nativeOrder()).getLong(0);
    }

    @Test
    void aSubscriberThatStopsAcknowledgingHoldsItsProducerAndItsAcksReleaseIt() throws Exception
    {
        // More than the client's buffers and both sockets hold, so the producer must wait for the relay.
        final long count = 200_000;
        final int window = 100;
        final StreamConfig throttle = new StreamConfig(Strategy.THROTTLE, 16 * 1024, StreamConfig.DEFAULT_LANE_RUNS,
            StreamConfig.DEFAULT_MEMORY_BYTES, StreamConfig.DEFAULT_SPILL_QUOTA_BYTES);
        try (Relay relay = Relay.start(relay(throttle));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             RawPeer subscriber = new RawPeer(relay.port()))
        {
            subscriber.send(acknowledgingHello("", window));
            final RawPeer.Frame welcome = welcome(subscriber);
            assertEquals(1, welcome.sequence(), "the first position of a new subscription");
            assertEquals(window, grantedMessages(welcome), "less than the relay's limit is granted as asked");
            assertTrue(redeliveredThrough(welcome) < welcome.sequence(), "nothing to deliver again");
            await(() -> stream(relay).subscribers() == 1, "the subscriber joined");
            final Publication publication = client.publish(STREAM);
            final CompletableFuture<Boolean> sent = CompletableFuture.supplyAsync(() -> sendAll(publication, count));

            // Read the window's worth, acknowledge nothing: the window stops the relay, the lane fills and holds the
            // producer. Only then is what the relay sent final, and read to its end: reading on before the lane holds
            // would wait for a frame the window will never let out.
            long received = 0;
            while (received < window)
            {
                assertEquals(received, counter(nextData(subscriber)), "in order");
                received++;
            }
            await(() -> lane(relay).holdingProducers() > 0, "the lane holds its producer");
            final long sentByRelay = lane(relay).messagesOut();
            while (received < sentByRelay)
            {
                assertEquals(received, counter(nextData(subscriber)), "in order");
                received++;
            }
            assertFalse(sent.isDone(), "the producer is held");
            assertTrue(received < count, "no more than the window and one run: " + received);

            // Acknowledging as it goes, the subscriber releases the producer and receives the rest, once, in order.
            long position = received;
            subscriber.send(ack(welcome.streamId(), position));
            while (received < count)
            {
                final RawPeer.Frame data = nextData(subscriber);
                assertEquals(0, data.flags() & FrameDescriptor.FLAG_REDELIVERED, "nothing is sent twice on a live"
                    + " connection");
                assertEquals(received, counter(data), "in order, exactly once");
                received++;
                position++;
                if (position % (window / 2) == 0)
                {
                    subscriber.send(ack(welcome.streamId(), position));
                }
            }
            assertTrue(sent.get(DEADLINE_MS, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void aSubscriberThatAcknowledgesEachHalfWindowOfBytesReceivesEverythingWhateverTheLengthOfTheRelaysRuns()
        throws Exception
    {
        // protocol.md §4.3 asks for an ACK at least every half window and nothing more (no timer): the window must
        // count the bytes of the frames not acknowledged. Runs far longer than the window come from a producer held
        // by a full lane; counting the runs kept instead stalls the subscriber at the first run whose tail is less
        // than half a window.
        final long count = 50_000;
        final int windowBytes = 4 * 1024;
        final StreamConfig throttle = new StreamConfig(Strategy.THROTTLE, 256 * 1024, StreamConfig.DEFAULT_LANE_RUNS,
            StreamConfig.DEFAULT_MEMORY_BYTES, StreamConfig.DEFAULT_SPILL_QUOTA_BYTES);
        try (Relay relay = Relay.start(relay(throttle));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             RawPeer subscriber = new RawPeer(relay.port()))
        {
            subscriber.send(acknowledgingHello("", 0, windowBytes));
            final RawPeer.Frame welcome = welcome(subscriber);
            assertEquals(windowBytes, ByteBuffer.wrap(welcome.payload()).getInt(20), "the window asked, in bytes");
            await(() -> stream(relay).subscribers() == 1, "the subscriber joined");
            final Publication publication = client.publish(STREAM);
            final CompletableFuture<Boolean> sent = CompletableFuture.supplyAsync(() -> sendAll(publication, count));

            long received = 0;
            long bytesSinceAck = 0;
            while (received < count)
            {
                final RawPeer.Frame data = nextData(subscriber);
                assertEquals(received, counter(data), "in order, exactly once");
                received++;
                bytesSinceAck += FrameDescriptor.HEADER_LENGTH + data.payload().length;
                if (bytesSinceAck >= windowBytes / 2)
                {
                    subscriber.send(ack(welcome.streamId(), welcome.sequence() + received - 1));
                    bytesSinceAck = 0;
                }
            }
            assertTrue(sent.get(DEADLINE_MS, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void aDurableSubscriptionGetsWhatItDidNotAcknowledgeAgainFlaggedThenWhatCameWhileItWasAway() throws Exception
    {
        final StreamConfig spill = new StreamConfig(Strategy.SPILL, 16 * 1024, StreamConfig.DEFAULT_LANE_RUNS,
            64 * 1024, 256L << 20);
        try (Relay relay = Relay.start(relay(spill));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Publication publication = client.publish(STREAM);
            receive300AcknowledgeTheFirst100AndLeave(relay, publication);
            // While nobody reads it, the subscription keeps what is published.
            assertTrue(sendRange(publication, 300, 600));

            try (RawPeer second = new RawPeer(relay.port()))
            {
                second.send(acknowledgingHello("audit", 1000));
                final RawPeer.Frame welcome = welcome(second);
                assertEquals(101, welcome.sequence(), "resumes at the first unacknowledged position");
                assertEquals(300, redeliveredThrough(welcome), "positions up to 300 were sent before");
                long position = welcome.sequence();
                for (long i = position - 1; i < 300; i++, position++)
                {
                    final RawPeer.Frame data = nextData(second);
                    assertEquals(i, counter(data), "the unacknowledged messages again, in order");
                    assertTrue((data.flags() & FrameDescriptor.FLAG_REDELIVERED) != 0, "flagged: " + data);
                }
                assertTrue(sendRange(publication, 600, 650));
                for (long i = 300; i < 650; i++, position++)
                {
                    final RawPeer.Frame data = nextData(second);
                    assertEquals(i, counter(data), "then what was published while it was away, then what is new");
                    assertEquals(0, data.flags() & FrameDescriptor.FLAG_REDELIVERED, "not sent before: not flagged");
                }
                assertEquals(651, position, "positions continue across connections");
                final LaneSnapshot lane = lane(relay);
                assertEquals(200, lane.acks().redelivered(), "what was not acknowledged, sent again");
                assertEquals(650, lane.acks().sent());
                second.send(ack(welcome.streamId(), 650));
                second.send(ack(welcome.streamId(), 651));
                final RawPeer.Frame error = second.awaitError(DEADLINE_MS);
                assertEquals(ErrorCode.ACK_OUT_OF_RANGE, error.errorCode(), error.toString());
                assertEquals("ACK for position 651 on stream 'acked': the relay has sent up to position 650",
                    error.errorText());
                second.assertClosedByRelay();
            }
        }
    }

    @Test
    void aSubscriberThatReconnectsWhileTheProducerGoesOnMissesNothing() throws Exception
    {
        final long count = 200_000;
        final StreamConfig spill = new StreamConfig(Strategy.SPILL, 16 * 1024, StreamConfig.DEFAULT_LANE_RUNS,
            64 * 1024, 256L << 20);
        try (Relay relay = Relay.start(relay(spill));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Publication publication = client.publish(STREAM);
            long next = 0;
            CompletableFuture<Boolean> sent = null;
            for (int connection = 0; connection < 5; connection++)
            {
                try (RawPeer peer = new RawPeer(relay.port()))
                {
                    peer.send(acknowledgingHello("hop", 1000));
                    final RawPeer.Frame welcome = welcome(peer);
                    if (sent == null)
                    {
                        sent = CompletableFuture.supplyAsync(() -> sendAll(publication, count));
                    }
                    // The position of the last frame received.
                    long position = welcome.sequence() - 1;
                    // Redelivered frames the subscriber had processed (at or below what it acknowledged) are
                    // skipped; everything else comes exactly once, in order, across the connections.
                    final long stopAt = Math.min(count, next + count / 5);
                    while (next < stopAt)
                    {
                        final RawPeer.Frame data = nextData(peer);
                        final long counter = counter(data);
                        if (counter < next)
                        {
                            assertTrue((data.flags() & FrameDescriptor.FLAG_REDELIVERED) != 0,
                                "a message seen before is flagged: " + counter);
                        }
                        else
                        {
                            assertEquals(next, counter, "no gap, in order (connection " + connection + ")");
                            next++;
                        }
                        if (++position % 500 == 0)
                        {
                            peer.send(ack(welcome.streamId(), position));
                        }
                    }
                    // Leaves with some acknowledged and some not, while the producer goes on.
                    peer.send(ack(welcome.streamId(), position - 100), RawFrames.empty(FrameType.CLOSE));
                    peer.readUntilClosedWithoutError();
                }
            }
            assertEquals(count, next, "every message, once, across five connections");
            assertTrue(sent.get(DEADLINE_MS, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void aRelayThatStopsGracefullyKeepsTheSubscriptionsPositionsForItsNextStart() throws Exception
    {
        final StreamConfig spill = new StreamConfig(Strategy.SPILL, 16 * 1024, StreamConfig.DEFAULT_LANE_RUNS,
            64 * 1024, 256L << 20);
        try (Relay relay = Relay.start(relay(spill));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Publication publication = client.publish(STREAM);
            receive300AcknowledgeTheFirst100AndLeave(relay, publication);
            assertTrue(sendRange(publication, 300, 400));
            await(() -> lane(relay).messagesIn() == 400, "the detached lane took what was published");
        }
        try (Relay restarted = Relay.start(relay(spill));
             RawPeer back = new RawPeer(restarted.port()))
        {
            back.send(acknowledgingHello("audit", 1000));
            final RawPeer.Frame welcome = welcome(back);
            assertEquals(101, welcome.sequence(), "the positions survived the restart");
            assertEquals(300, redeliveredThrough(welcome));
            for (long i = 100; i < 400; i++)
            {
                final RawPeer.Frame data = nextData(back);
                assertEquals(i, counter(data), "everything after the acknowledged position, once, in order");
                assertEquals(i < 300, (data.flags() & FrameDescriptor.FLAG_REDELIVERED) != 0, "flag of " + i);
            }
        }
    }

    @Test
    void aSubscriptionAwayForInactiveAfterStopsAccumulatingAndIsDeleted() throws Exception
    {
        final StreamConfig spill = new StreamConfig(Strategy.SPILL, 16 * 1024, StreamConfig.DEFAULT_LANE_RUNS,
            64 * 1024, 256L << 20).withInactiveAfterMs(1_000);
        try (Relay relay = Relay.start(relay(spill));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Publication publication = client.publish(STREAM);
            try (RawPeer gone = new RawPeer(relay.port()))
            {
                gone.send(acknowledgingHello("gone", 1000));
                welcome(gone);
                await(() -> stream(relay).subscribers() == 1, "the subscriber joined");
                assertTrue(sendRange(publication, 0, 100));
                for (long i = 0; i < 100; i++)
                {
                    assertEquals(i, counter(nextData(gone)));
                }
            }
            await(() -> stream(relay).subscribers() == 0, "the subscriber is gone");
            assertEquals(1, relay.metrics().lanes().size(), "its lane stays, detached");
            assertTrue(sendRange(publication, 100, 200));
            await(() -> relay.metrics().lanes().isEmpty(), "the lane closed after inactive-after");
            await(() -> relay.metrics().spill().inactiveDeleted() == 1, "the subscription deleted");
            assertTrue(java.nio.file.Files.notExists(spillDir.resolve(STREAM).resolve("gone")));
            // Nobody holds the producer: publishing goes on.
            assertTrue(sendRange(publication, 200, 300));
        }
    }

    @Test
    void aSubscriberThatReadsButStopsAcknowledgingIsEvictedByOnStuck() throws Exception
    {
        final StreamConfig throttle = new StreamConfig(Strategy.THROTTLE, 16 * 1024, StreamConfig.DEFAULT_LANE_RUNS,
            StreamConfig.DEFAULT_MEMORY_BYTES, StreamConfig.DEFAULT_SPILL_QUOTA_BYTES)
            .withStuck(new StuckPolicy(OnStuck.EVICT, 500));
        try (Relay relay = Relay.start(relay(throttle));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             RawPeer subscriber = new RawPeer(relay.port()))
        {
            subscriber.send(acknowledgingHello("", 100));
            welcome(subscriber);
            await(() -> stream(relay).subscribers() == 1, "the subscriber joined");
            final Publication publication = client.publish(STREAM);
            final CompletableFuture<Boolean> sent = CompletableFuture.supplyAsync(() -> sendAll(publication, 200_000));
            // It reads everything it is sent (its socket takes every byte) and acknowledges nothing.
            RawPeer.Frame frame;
            while ((frame = subscriber.readFrame()).type() != FrameType.ERROR)
            {
                assertTrue(frame.type() == FrameType.DATA || frame.type() == FrameType.HEARTBEAT, frame.toString());
            }
            assertEquals(ErrorCode.SLOW_CONSUMER, frame.errorCode(), frame.toString());
            subscriber.assertClosedByRelay();
            assertEquals(1, stream(relay).evicted());
            assertTrue(sent.get(DEADLINE_MS, TimeUnit.MILLISECONDS), "the producer goes on");
        }
    }

    @Test
    void anAckFromASubscriberThatDidNotAskForAcknowledgedDeliveryIsUnexpected() throws Exception
    {
        try (Relay relay = Relay.start(relay(StreamConfig.DEFAULT));
             RawPeer subscriber = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = subscriber.handshake(Role.SUBSCRIBER.code(), STREAM, "");
            assertEquals(Frames.WELCOME_PAYLOAD_LENGTH, welcome.payload().length, "the WELCOME of version 1");
            subscriber.send(ack(welcome.streamId(), 0));
            final RawPeer.Frame error = subscriber.awaitError(DEADLINE_MS);
            assertEquals(ErrorCode.UNEXPECTED_FRAME, error.errorCode(), error.toString());
            subscriber.assertClosedByRelay();
        }
    }

    // Subscription "audit": the first connection receives messages 0..299 (positions 1..300), acknowledges
    // position 100 and leaves in order (the relay reads the ACK, then the CLOSE, and closes).
    private static void receive300AcknowledgeTheFirst100AndLeave(final Relay relay, final Publication publication)
        throws Exception
    {
        try (RawPeer first = new RawPeer(relay.port()))
        {
            first.send(acknowledgingHello("audit", 1000));
            final RawPeer.Frame welcome = welcome(first);
            assertEquals(1, welcome.sequence());
            await(() -> stream(relay).subscribers() == 1, "the subscriber joined");
            assertTrue(sendRange(publication, 0, 300));
            for (long i = 0; i < 300; i++)
            {
                assertEquals(i, counter(nextData(first)));
            }
            first.send(ack(welcome.streamId(), 100), RawFrames.empty(FrameType.CLOSE));
            first.readUntilClosedWithoutError();
        }
        await(() -> stream(relay).subscribers() == 0, "the first connection is gone");
    }

    private static boolean sendAll(final Publication publication, final long count)
    {
        return sendRange(publication, 0, count);
    }

    private static boolean sendRange(final Publication publication, final long from, final long to)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        for (long i = from; i < to; i++)
        {
            payload.putLong(0, i);
            if (publication.send(payload, 0, PAYLOAD, Duration.ofMillis(DEADLINE_MS)) < 0)
            {
                return false;
            }
        }
        return true;
    }

    private static StreamSnapshot stream(final Relay relay)
    {
        return relay.metrics().streams().stream().filter(s -> s.name().equals(STREAM)).findFirst()
            .orElseThrow(() -> new AssertionError("no stream " + STREAM));
    }

    private static LaneSnapshot lane(final Relay relay)
    {
        return relay.metrics().lanes().stream().filter(l -> l.stream().equals(STREAM)).findFirst()
            .orElseThrow(() -> new AssertionError("no lane on " + STREAM));
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("not within " + DEADLINE_MS + " ms: " + what);
            }
            Thread.sleep(5);
        }
    }
}
