package io.sluice.server;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.sluice.server.RawFrames.concat;
import static io.sluice.server.RawFrames.data;
import static io.sluice.server.RawFrames.frame;
import static io.sluice.server.RawFrames.hello;
import static io.sluice.server.RelayUnderBadInput.PUBLISHER;
import static io.sluice.server.RelayUnderBadInput.STREAM;
import static io.sluice.server.RelayUnderBadInput.SUBSCRIBER;
import static io.sluice.server.RelayUnderBadInput.expectRejected;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames a welcomed peer may not send: a frame its role does not send (a second HELLO, DATA from a subscriber, ACK from
 * a publisher, ...), DATA for another stream or source, and DATA whose sequence does not follow on; of a publisher
 * refused for its sequence, at most the valid prefix reaches the subscriber. Each bad connection gets an ERROR of the
 * right code whose text names the offending value, on that connection only, and the relay counts the error exactly
 * once, while a healthy publisher/subscriber pair on the same stream goes on delivering in order
 * ({@link RelayUnderBadInput}). Netty runs with paranoid leak detection, and the leak extension fails the class on any
 * LEAK report.
 */
class BadFrameAfterHandshakeTest
{
    private final RelayUnderBadInput relay = new RelayUnderBadInput();

    @AfterEach
    void stop()
    {
        relay.close();
    }

    static Stream<Arguments> unexpectedFrames()
    {
        return Stream.of(
            Arguments.of("second HELLO from a publisher", PUBLISHER, FrameType.HELLO),
            Arguments.of("second HELLO from a subscriber", SUBSCRIBER, FrameType.HELLO),
            Arguments.of("DATA from a subscriber", SUBSCRIBER, FrameType.DATA),
            Arguments.of("ACK from a publisher", PUBLISHER, FrameType.ACK),
            Arguments.of("GAP from a subscriber", SUBSCRIBER, FrameType.GAP),
            Arguments.of("WELCOME from a publisher", PUBLISHER, FrameType.WELCOME));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unexpectedFrames")
    void unexpectedFrameAfterHandshake(final String name, final int role, final int type) throws Exception
    {
        relay.start(b -> b, c -> c);
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = peer.handshake(role, STREAM, "");
            final byte[] bad;
            switch (type)
            {
                case FrameType.HELLO -> bad = hello(role, STREAM, "", "");
                case FrameType.DATA -> bad = data(welcome.streamId(), welcome.sourceId(), 0);
                case FrameType.GAP -> bad = frame(type, 0, welcome.streamId(), 0, 0, new byte[32]);
                case FrameType.WELCOME -> bad = frame(type, 0, welcome.streamId(), 0, 0, new byte[16]);
                default -> bad = frame(type, 0, welcome.streamId(), welcome.sourceId(), 0, new byte[0]);
            }
            peer.send(bad);
            expectRejected(peer, ErrorCode.UNEXPECTED_FRAME, FrameType.name(type));
        }
        relay.assertOnlyNewError(ErrorCode.UNEXPECTED_FRAME);
        relay.assertHealthyPairUnaffected();
    }

    static Stream<Arguments> wrongStreams()
    {
        return Stream.of(
            Arguments.of("other stream id"),
            Arguments.of("other source id"),
            Arguments.of("the healthy publisher's source id"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrongStreams")
    void dataForAnotherStreamOrSource(final String name) throws Exception
    {
        relay.start(b -> b, c -> c);
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = peer.handshake(PUBLISHER, STREAM, "");
            int streamId = welcome.streamId();
            int sourceId = welcome.sourceId();
            final String named;
            switch (name)
            {
                case "other stream id" -> named = "stream " + (streamId = welcome.streamId() + 1000);
                case "other source id" -> named = "source " + (sourceId = welcome.sourceId() + 1000);
                default -> named = "source " + (sourceId = relay.healthySourceId());
            }
            assertTrue(sourceId != welcome.sourceId() || streamId != welcome.streamId(), "test set-up");
            // Sequence 0 continues the healthy publisher's sequence nowhere: an impersonation would show as a
            // duplicate in the order check.
            peer.send(data(streamId, sourceId, 0));
            expectRejected(peer, ErrorCode.WRONG_STREAM, named + " ");
        }
        relay.assertOnlyNewError(ErrorCode.WRONG_STREAM);
        relay.assertHealthyPairUnaffected();
    }

    static Stream<Arguments> badSequences()
    {
        return Stream.of(
            Arguments.of("first DATA with sequence 1", new long[]{1}, 1L, 0L),
            Arguments.of("0, 1, 3", new long[]{0, 1, 3}, 3L, 2L),
            Arguments.of("0, 0", new long[]{0, 0}, 0L, 1L),
            Arguments.of("0, -1", new long[]{0, -1}, -1L, 1L),
            Arguments.of("0 .. 4, 6", new long[]{0, 1, 2, 3, 4, 6}, 6L, 5L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSequences")
    void dataWithSkippingSequence(final String name, final long[] sequences, final long bad, final long expected)
        throws Exception
    {
        relay.start(b -> b, c -> c);
        final int rawSource;
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = peer.handshake(PUBLISHER, STREAM, "");
            rawSource = welcome.sourceId();
            final byte[][] frames = new byte[sequences.length][];
            for (int i = 0; i < sequences.length; i++)
            {
                frames[i] = data(welcome.streamId(), rawSource, sequences[i]);
            }
            peer.send(concat(frames));
            expectRejected(peer, ErrorCode.BAD_SEQUENCE, "sequence " + bad + " ", " " + expected + " ");
        }
        relay.assertOnlyNewError(ErrorCode.BAD_SEQUENCE);
        relay.assertHealthyPairUnaffected();
        // Only the valid prefix of the bad publisher's frames may have reached the subscriber, and in order.
        assertTrue(relay.received().from(rawSource) <= expected,
            "subscriber got " + relay.received().from(rawSource) + " messages from the bad source; valid prefix was " +
                expected);
    }
}
