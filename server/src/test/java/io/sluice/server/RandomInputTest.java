package io.sluice.server;

import io.sluice.core.protocol.FrameType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import static io.sluice.core.protocol.FrameDescriptor.FLAG_KEYED;
import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.server.RawFrames.frame;
import static io.sluice.server.RelayUnderBadInput.PUBLISHER;
import static io.sluice.server.RelayUnderBadInput.STREAM;
import static io.sluice.server.RelayUnderBadInput.SUBSCRIBER;
import static io.sluice.server.RelayUnderBadInput.WAIT_MS;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random bytes, and random frames after a valid HELLO with header fields drawn from valid and invalid values: the relay
 * answers whatever it refuses first with one ERROR and closes that connection only, counts that one error, forwards a
 * fuzzing publisher's frames only in order, and a healthy publisher/subscriber pair on the same stream goes on
 * delivering in order ({@link RelayUnderBadInput}). Netty runs with paranoid leak detection, and the leak extension
 * fails the class on any LEAK report.
 */
class RandomInputTest
{
    private final RelayUnderBadInput relay = new RelayUnderBadInput();

    @AfterEach
    void stop()
    {
        relay.close();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void randomBytes(final long seed) throws Exception
    {
        relay.start(b -> b.helloTimeoutMs(1_000), c -> c);
        final byte[] bytes = new byte[4096];
        new Random(seed).nextBytes(bytes);
        final RawPeer.Frame error;
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            peer.send(bytes);
            error = peer.awaitError(WAIT_MS);
            peer.assertClosedByRelay();
        }
        relay.assertOnlyNewError(error.errorCode());
        relay.assertHealthyPairUnaffected();
    }

    /**
     * Frames after a valid HELLO whose header fields are drawn from valid and invalid values, so that the fuzz gets
     * past the length check and reaches every later check, the publisher's handler included.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void randomFramesAfterHello(final long seed) throws Exception
    {
        relay.start(b -> b, c -> c);
        final Random random = new Random(seed);
        final RawPeer.Frame error;
        final int rawSource;
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = peer.handshake(random.nextBoolean() ? PUBLISHER : SUBSCRIBER, STREAM, "");
            rawSource = welcome.sourceId();
            final ByteBuffer out = ByteBuffer.allocate(4096);
            long sequence = 0;
            while (out.remaining() >= HEADER_LENGTH + 64)
            {
                final int[] types = {FrameType.DATA, FrameType.DATA, FrameType.DATA, FrameType.HEARTBEAT,
                    random.nextInt(256), FrameType.HELLO, FrameType.ACK};
                int type = types[random.nextInt(types.length)];
                if (type == FrameType.CLOSE || type == FrameType.ERROR)
                {
                    type = FrameType.MAX_TYPE + 1; // an orderly goodbye, or the client's ERROR, closes without one
                }
                // Header-only frames mostly without a payload, so that the fuzz goes past them.
                final byte[] body =
                    new byte[FrameType.isHeaderOnly(type) && random.nextInt(8) != 0 ? 0 : random.nextInt(40)];
                random.nextBytes(body);
                final int length =
                    random.nextInt(8) == 0 ? random.nextInt(HEADER_LENGTH + 64) : HEADER_LENGTH + body.length;
                final int version = random.nextInt(10) == 0 ? random.nextInt(256) : 1;
                final int flags =
                    random.nextInt(10) == 0 ? random.nextInt(65536) : (random.nextInt(4) == 0 ? FLAG_KEYED : 0);
                final int streamId = random.nextInt(10) == 0 ? random.nextInt() : welcome.streamId();
                final int sourceId = random.nextInt(10) == 0 ? random.nextInt() : welcome.sourceId();
                final long seq = random.nextInt(10) == 0 ? random.nextLong() : sequence;
                if (body.length >= 8)
                {
                    RawFrames.sequencePayload(body, seq); // what OrderCheckingHandler expects of a forwarded frame
                }
                if (type == FrameType.DATA)
                {
                    sequence++;
                }
                out.put(frame(length, version, type, flags, streamId, sourceId, seq, body));
            }
            peer.send(Arrays.copyOf(out.array(), out.position()));
            error = peer.awaitError(WAIT_MS);
            peer.assertClosedByRelay();
        }
        relay.assertOnlyNewError(error.errorCode());
        relay.assertHealthyPairUnaffected();
        if (rawSource != 0)
        {
            assertTrue(relay.received().order.clean(),
                "frames from the fuzzing publisher arrived out of order: " + relay.received().order);
        }
    }
}
