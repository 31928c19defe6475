package io.sluice.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Hello;
import io.sluice.server.config.RelayConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.sluice.server.RawFrames.data;
import static io.sluice.server.RawFrames.hello;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Identified publishers over real sockets (protocol.md §4.2): a producer id keeps its source id and sequence across
 * connections, resent frames the relay had accepted reach no subscriber twice, and epochs fence.
 */
class IdentifiedPublisherTest
{
    private static final int SUBSCRIBER = 2;
    private static final String STREAM = "ids";
    private static final long PRODUCER = 42;

    private Relay relay;

    @BeforeEach
    void start()
    {
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
    }

    @AfterEach
    void stop()
    {
        relay.close();
    }

    @Test
    void aReconnectedPublisherResendsAndTheSubscriberGetsEachMessageOnceFromOneSource() throws IOException
    {
        try (RawPeer subscriber = new RawPeer(relay.port()))
        {
            subscriber.handshake(SUBSCRIBER, STREAM, "");
            final RawPeer.Frame first;
            try (RawPeer publisher = new RawPeer(relay.port()))
            {
                first = identify(publisher, 1);
                assertEquals(0, first.sequence(), "a new producer id starts at 0");
                send(publisher, first, 0, 99);
                awaitAck(publisher, 99);
            }
            try (RawPeer publisher = new RawPeer(relay.port()))
            {
                // Epoch 2: the relay may not have seen the first connection close yet, and a higher epoch waits for it.
                final RawPeer.Frame second = identify(publisher, 2);
                assertEquals(first.sourceId(), second.sourceId(), "one source id across connections");
                assertEquals(100, second.sequence(), "WELCOME carries the next expected sequence");
                send(publisher, second, 90, 149);
                awaitAck(publisher, 149);
            }
            final List<RawPeer.Frame> received = readData(subscriber, 150);
            for (int i = 0; i < received.size(); i++)
            {
                assertEquals(i, received.get(i).sequence(), "message " + i);
                assertEquals(first.sourceId(), received.get(i).sourceId(), "message " + i);
            }
            assertEquals(10, relay.metrics().duplicatesDropped());
        }
    }

    @Test
    void aHigherEpochFencesTheOpenConnectionAndContinuesWhereItStopped() throws IOException
    {
        try (RawPeer old = new RawPeer(relay.port()); RawPeer successor = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = identify(old, 1);
            send(old, welcome, 0, 9);
            awaitAck(old, 9);
            successor.send(identifiedHello(2));
            final RawPeer.Frame error = old.awaitError(RawPeer.READ_TIMEOUT_MS);
            assertEquals(ErrorCode.PRODUCER_FENCED, error.errorCode(), error.toString());
            assertEquals("producer 42 of stream 'ids' was taken over by epoch 2", error.errorText());
            final RawPeer.Frame taken = successor.readFrame();
            assertEquals(FrameType.WELCOME, taken.type(), taken.toString());
            assertEquals(welcome.sourceId(), taken.sourceId());
            assertEquals(10, taken.sequence());
        }
    }

    @Test
    void aLowerEpochIsRefused() throws IOException
    {
        try (RawPeer publisher = new RawPeer(relay.port()); RawPeer stale = new RawPeer(relay.port()))
        {
            identify(publisher, 5);
            stale.send(identifiedHello(4));
            final RawPeer.Frame error = stale.awaitError(RawPeer.READ_TIMEOUT_MS);
            assertEquals(ErrorCode.PRODUCER_FENCED, error.errorCode(), error.toString());
            assertEquals("producer 42 of stream 'ids' has epoch 5: epoch 4 is fenced", error.errorText());
            stale.assertClosedByRelay();
        }
    }

    @Test
    void theSameEpochWhileConnectedIsRefused() throws IOException
    {
        try (RawPeer publisher = new RawPeer(relay.port()); RawPeer twin = new RawPeer(relay.port()))
        {
            identify(publisher, 3);
            twin.send(identifiedHello(3));
            final RawPeer.Frame error = twin.awaitError(RawPeer.READ_TIMEOUT_MS);
            assertEquals(ErrorCode.PRODUCER_FENCED, error.errorCode(), error.toString());
            assertEquals("producer 42 of stream 'ids' is already connected with epoch 3", error.errorText());
        }
    }

    @Test
    void aFirstFrameAboveTheWelcomeSequenceIsBadSequence() throws IOException
    {
        try (RawPeer publisher = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = identify(publisher, 1);
            publisher.send(data(welcome.streamId(), welcome.sourceId(), 1));
            final RawPeer.Frame error = publisher.awaitError(RawPeer.READ_TIMEOUT_MS);
            assertEquals(ErrorCode.BAD_SEQUENCE, error.errorCode(), error.toString());
        }
    }

    @Test
    void aPublisherWithoutTheFeatureGetsItsOwnSourceFromZero() throws IOException
    {
        try (RawPeer identified = new RawPeer(relay.port()); RawPeer plain = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = identify(identified, 1);
            send(identified, welcome, 0, 4);
            awaitAck(identified, 4);
            final RawPeer.Frame other = plain.handshake(1, STREAM, "");
            assertNotEquals(welcome.sourceId(), other.sourceId());
            assertEquals(0, other.sequence());
        }
    }

    @Test
    void anIdentifiedSubscriberIsMalformed() throws IOException
    {
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final byte[] frame = hello(SUBSCRIBER, STREAM, "", "");
            frame[33] = 1;
            peer.send(frame);
            final RawPeer.Frame error = peer.awaitError(RawPeer.READ_TIMEOUT_MS);
            assertEquals(ErrorCode.MALFORMED_HELLO, error.errorCode(), error.toString());
            assertTrue(error.errorText().contains("on a subscriber's HELLO"), error.errorText());
        }
    }

    private static RawPeer.Frame identify(final RawPeer publisher, final int epoch) throws IOException
    {
        publisher.send(identifiedHello(epoch));
        final RawPeer.Frame welcome = publisher.readFrame();
        assertEquals(FrameType.WELCOME, welcome.type(), welcome.toString());
        return welcome;
    }

    // Built by the client's code, as a client sends it.
    private static byte[] identifiedHello(final int epoch)
    {
        final ByteBuf frame = Frames.hello(UnpooledByteBufAllocator.DEFAULT,
            Hello.identifiedPublisher(STREAM, "", PRODUCER, epoch), System.nanoTime());
        try
        {
            return ByteBufUtil.getBytes(frame);
        }
        finally
        {
            frame.release();
        }
    }

    private static void send(final RawPeer publisher, final RawPeer.Frame welcome, final long from, final long to)
        throws IOException
    {
        for (long sequence = from; sequence <= to; sequence++)
        {
            publisher.send(data(welcome.streamId(), welcome.sourceId(), sequence));
        }
    }

    private static void awaitAck(final RawPeer publisher, final long sequence) throws IOException
    {
        // Heartbeats keep each read short of its timeout: bound the wait as a whole.
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RawPeer.READ_TIMEOUT_MS);
        while (true)
        {
            assertTrue(System.nanoTime() - deadline < 0, "no ACK " + sequence + " within " + RawPeer.READ_TIMEOUT_MS +
                " ms");
            final RawPeer.Frame frame = publisher.readFrame();
            if (frame.type() == FrameType.ACK && frame.sequence() == sequence)
            {
                return;
            }
            assertTrue(frame.type() == FrameType.ACK && frame.sequence() < sequence ||
                frame.type() == FrameType.HEARTBEAT, "while awaiting ACK " + sequence + ": " + frame);
        }
    }

    private static List<RawPeer.Frame> readData(final RawPeer subscriber, final int count) throws IOException
    {
        final List<RawPeer.Frame> data = new ArrayList<>();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RawPeer.READ_TIMEOUT_MS);
        while (data.size() < count)
        {
            assertTrue(System.nanoTime() - deadline < 0, data.size() + " of " + count + " messages");
            final RawPeer.Frame frame = subscriber.readFrame();
            if (frame.type() == FrameType.DATA)
            {
                data.add(frame);
            }
            else
            {
                assertEquals(FrameType.HEARTBEAT, frame.type(), "subscriber got " + frame);
            }
        }
        return data;
    }
}
