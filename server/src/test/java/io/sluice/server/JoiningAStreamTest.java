package io.sluice.server;

import io.sluice.core.protocol.FrameType;
import io.sluice.server.config.RelayConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static io.sluice.server.RawFrames.concat;
import static io.sluice.server.RawFrames.data;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two rules of protocol.md §4.1, seen from raw sockets: a publisher with no subscriber on its stream is ACKed for
 * what it sent (no lane holds it back), and a subscriber that joins late gets no GAP for what came before it.
 */
class JoiningAStreamTest
{
    private static final int PUBLISHER = 1;
    private static final int SUBSCRIBER = 2;
    private static final String STREAM = "joining";
    private static final int MESSAGES = 10;

    private Relay relay;

    @BeforeEach
    void start()
    {
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(1).build());
    }

    @AfterEach
    void stop()
    {
        relay.close();
    }

    @Test
    void aPublisherWithNoSubscriberIsAckedForEverythingItSent() throws Exception
    {
        try (RawPeer publisher = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = publisher.handshake(PUBLISHER, STREAM, "");
            publish(publisher, welcome, 0);
            assertEquals(MESSAGES - 1, awaitAck(publisher, MESSAGES - 1), "the last ACK");
        }
    }

    @Test
    void aLateSubscriberGetsNoGapForWhatCameBeforeIt() throws Exception
    {
        try (RawPeer publisher = new RawPeer(relay.port()); RawPeer subscriber = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = publisher.handshake(PUBLISHER, STREAM, "");
            publish(publisher, welcome, 0);
            awaitAck(publisher, MESSAGES - 1);

            // The lane joins the stream before the WELCOME leaves: what is published after it reaches the subscriber.
            subscriber.handshake(SUBSCRIBER, STREAM, "");
            publish(publisher, welcome, MESSAGES);

            long expected = MESSAGES;
            while (expected < 2 * MESSAGES)
            {
                final RawPeer.Frame frame = subscriber.readFrame();
                if (frame.type() == FrameType.HEARTBEAT)
                {
                    continue;
                }
                assertEquals(FrameType.DATA, frame.type(), "a late subscriber's frame: " + frame);
                assertEquals(welcome.sourceId(), frame.sourceId(), frame.toString());
                assertEquals(expected, frame.sequence(), "the first message after joining, then in order");
                expected++;
            }
        }
    }

    private static void publish(final RawPeer publisher, final RawPeer.Frame welcome, final long firstSequence)
        throws IOException
    {
        final byte[][] frames = new byte[MESSAGES][];
        for (int i = 0; i < MESSAGES; i++)
        {
            frames[i] = data(welcome.streamId(), welcome.sourceId(), firstSequence + i);
        }
        publisher.send(concat(frames));
    }

    /** Reads ACKs (cumulative, so they may skip sequences) and heartbeats until the ACK for {@code sequence}. */
    private static long awaitAck(final RawPeer publisher, final long sequence) throws IOException
    {
        long acked = -1;
        while (acked < sequence)
        {
            final RawPeer.Frame frame = publisher.readFrame();
            if (frame.type() == FrameType.HEARTBEAT)
            {
                continue;
            }
            assertEquals(FrameType.ACK, frame.type(), "the relay's answer to DATA: " + frame);
            assertTrue(frame.sequence() > acked, "ACKs go forward: " + frame.sequence() + " after " + acked);
            acked = frame.sequence();
        }
        return acked;
    }
}
