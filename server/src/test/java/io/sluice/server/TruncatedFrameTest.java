package io.sluice.server;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.server.RawFrames.data;
import static io.sluice.server.RawFrames.empty;
import static io.sluice.server.RawFrames.hello;
import static io.sluice.server.RelayUnderBadInput.PUBLISHER;
import static io.sluice.server.RelayUnderBadInput.STREAM;
import static io.sluice.server.RelayUnderBadInput.SUBSCRIBER;
import static io.sluice.server.RelayUnderBadInput.awaitCondition;
import static io.sluice.server.RelayUnderBadInput.count;

/**
 * A peer that closes in the middle of a frame, before HELLO or after it: no ERROR can be sent, so the relay counts
 * TRUNCATED_FRAME, exactly once and nothing else, and a healthy publisher/subscriber pair on the same stream goes on
 * delivering in order ({@link RelayUnderBadInput}). Netty runs with paranoid leak detection, and the leak extension
 * fails the class on any LEAK report.
 */
class TruncatedFrameTest
{
    private final RelayUnderBadInput relay = new RelayUnderBadInput();

    @AfterEach
    void stop()
    {
        relay.close();
    }

    static Stream<Arguments> truncations()
    {
        return Stream.of(
            Arguments.of("2 bytes of a length", 0, 2),
            Arguments.of("half a HELLO", 0, -1),
            Arguments.of("half a DATA frame after HELLO", PUBLISHER, 20),
            Arguments.of("DATA header without its payload after HELLO", PUBLISHER, HEADER_LENGTH),
            Arguments.of("half a HEARTBEAT from a subscriber", SUBSCRIBER, 16));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("truncations")
    void frameTruncatedByClose(final String name, final int role, final int bytes) throws Exception
    {
        relay.start(b -> b, c -> c);
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            if (role == 0)
            {
                final byte[] helloFrame = hello(PUBLISHER, STREAM, "", "");
                peer.send(Arrays.copyOf(helloFrame, bytes < 0 ? helloFrame.length / 2 : bytes));
            }
            else
            {
                final RawPeer.Frame welcome = peer.handshake(role, STREAM, "");
                final byte[] whole = role == PUBLISHER ? data(welcome.streamId(), welcome.sourceId(), 0) :
                    empty(FrameType.HEARTBEAT);
                peer.send(Arrays.copyOf(whole, bytes));
            }
        }
        awaitCondition(() -> "TRUNCATED_FRAME counted; errors now " + relay.metrics().protocolErrorsByCode(),
            () -> relay.metrics().protocolErrors(ErrorCode.TRUNCATED_FRAME) >
                count(relay.errorsBefore(), ErrorCode.TRUNCATED_FRAME));
        relay.assertOnlyNewError(ErrorCode.TRUNCATED_FRAME);
        relay.assertHealthyPairUnaffected();
    }
}
