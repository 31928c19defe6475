package io.sluice.server;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.sluice.server.RawFrames.ascii;
import static io.sluice.server.RawFrames.concat;
import static io.sluice.server.RawFrames.data;
import static io.sluice.server.RawFrames.empty;
import static io.sluice.server.RawFrames.frame;
import static io.sluice.server.RawFrames.hello;
import static io.sluice.server.RawFrames.helloPayload;
import static io.sluice.server.RelayUnderBadInput.PUBLISHER;
import static io.sluice.server.RelayUnderBadInput.STREAM;
import static io.sluice.server.RelayUnderBadInput.SUBSCRIBER;
import static io.sluice.server.RelayUnderBadInput.expectRejected;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Input after the offending frame, in the same write, is discarded: one ERROR of the offending frame's code, one count,
 * nothing from after the error forwarded, and that connection only closed, while a healthy publisher/subscriber pair on
 * the same stream goes on delivering in order ({@link RelayUnderBadInput}). Netty runs with paranoid leak detection,
 * and the leak extension fails the class on any LEAK report.
 */
class InputAfterErrorTest
{
    private final RelayUnderBadInput relay = new RelayUnderBadInput();

    @AfterEach
    void stop()
    {
        relay.close();
    }

    static Stream<Arguments> inputAfterAnError()
    {
        return Stream.of(
            Arguments.of("malformed HELLO, then DATA and HEARTBEAT", ErrorCode.MALFORMED_HELLO, 0),
            Arguments.of("DATA before HELLO, then HEARTBEAT and a HELLO", ErrorCode.HELLO_REQUIRED, 0),
            Arguments.of("DATA 0, DATA 2, HEARTBEAT, DATA 1, DATA 5", ErrorCode.BAD_SEQUENCE, PUBLISHER),
            Arguments.of("DATA from a subscriber, HEARTBEAT, DATA", ErrorCode.UNEXPECTED_FRAME, SUBSCRIBER),
            Arguments.of("second HELLO, then HEARTBEAT and ACK", ErrorCode.UNEXPECTED_FRAME, PUBLISHER));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputAfterAnError")
    void inputAfterAnErrorIsDiscarded(final String name, final ErrorCode code, final int role) throws Exception
    {
        relay.start(b -> b, c -> c);
        int rawSource = -1;
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final byte[] bad;
            if (role == 0)
            {
                bad = code == ErrorCode.MALFORMED_HELLO ?
                    concat(frame(FrameType.HELLO, 0, 0, 0, 0, helloPayload(9, ascii(STREAM), new byte[0], new byte[0])),
                        data(1, 1, 0), empty(FrameType.HEARTBEAT)) :
                    concat(data(1, 1, 0), empty(FrameType.HEARTBEAT), hello(PUBLISHER, STREAM, "", ""));
            }
            else
            {
                final RawPeer.Frame welcome = peer.handshake(role, STREAM, "");
                final int s = welcome.streamId();
                rawSource = welcome.sourceId();
                if (code == ErrorCode.BAD_SEQUENCE)
                {
                    bad = concat(data(s, rawSource, 0), data(s, rawSource, 2), empty(FrameType.HEARTBEAT),
                        data(s, rawSource, 1), data(s, rawSource, 5));
                }
                else if (role == SUBSCRIBER)
                {
                    bad = concat(data(s, 0, 0), empty(FrameType.HEARTBEAT), data(s, 0, 1));
                }
                else
                {
                    bad = concat(hello(PUBLISHER, STREAM, "", ""), empty(FrameType.HEARTBEAT), empty(FrameType.ACK));
                }
            }
            peer.send(bad);
            expectRejected(peer, code);
        }
        relay.assertOnlyNewError(code);
        relay.assertHealthyPairUnaffected();
        if (code == ErrorCode.BAD_SEQUENCE)
        {
            assertTrue(relay.received().from(rawSource) <= 1,
                "frames after the BAD_SEQUENCE were forwarded: subscriber got " + relay.received().from(rawSource) +
                " messages from the bad source");
        }
    }
}
