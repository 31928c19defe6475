package io.sluice.server;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.stream.Stream;

import static io.sluice.server.RawFrames.concat;
import static io.sluice.server.RawFrames.data;
import static io.sluice.server.RawFrames.frame;
import static io.sluice.server.RelayUnderBadInput.PUBLISHER;
import static io.sluice.server.RelayUnderBadInput.STREAM;
import static io.sluice.server.RelayUnderBadInput.SUBSCRIBER;
import static io.sluice.server.RelayUnderBadInput.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ERROR frame from a client (protocol.md §3: either side may send it), of a known code, an unknown one or too short
 * to hold one: logged, counted once as an ERROR received, the connection closed cleanly with no ERROR in answer, and no
 * protocol error counted; what the publisher sent before it is still delivered, and a healthy publisher/subscriber pair
 * on the same stream goes on delivering in order ({@link RelayUnderBadInput}). Netty runs with paranoid leak detection,
 * and the leak extension fails the class on any LEAK report.
 */
class ErrorFromClientTest
{
    private final RelayUnderBadInput relay = new RelayUnderBadInput();

    @AfterEach
    void stop()
    {
        relay.close();
    }

    static Stream<Arguments> errorsFromClients()
    {
        return Stream.of(
            Arguments.of("publisher, INTERNAL after 5 DATA", PUBLISHER, RawFrames.error(17, "client gave up"),
                ErrorCode.INTERNAL),
            Arguments.of("publisher, code unknown to the relay", PUBLISHER, RawFrames.error(4711, "new in version 2"),
                ErrorCode.INTERNAL),
            Arguments.of("subscriber, HEARTBEAT_TIMEOUT", SUBSCRIBER,
                RawFrames.error(ErrorCode.HEARTBEAT_TIMEOUT.code(), "nothing received for 10001 ms"),
                ErrorCode.HEARTBEAT_TIMEOUT),
            Arguments.of("subscriber, payload too short for a code", SUBSCRIBER,
                frame(FrameType.ERROR, 0, 0, 0, 0, new byte[2]), ErrorCode.INTERNAL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errorsFromClients")
    void errorFromAClientClosesItsConnectionCleanly(final String name, final int role, final byte[] error,
        final ErrorCode counted) throws Exception
    {
        relay.start(b -> b, c -> c);
        final int rawSource;
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = peer.handshake(role, STREAM, "");
            rawSource = welcome.sourceId();
            if (role == PUBLISHER)
            {
                final byte[][] frames = new byte[6][];
                for (int i = 0; i < 5; i++)
                {
                    frames[i] = data(welcome.streamId(), rawSource, i);
                }
                frames[5] = error;
                peer.send(concat(frames));
            }
            else
            {
                peer.send(error);
            }
            for (final RawPeer.Frame frame : peer.readUntilClosedWithoutError())
            {
                assertTrue(frame.type() == FrameType.ACK || frame.type() == FrameType.HEARTBEAT, "relay sent " + frame);
            }
        }
        awaitCondition(() -> "the ERROR counted; received now " + relay.metrics().errorsReceivedByCode(),
            () -> relay.metrics().errorsReceived(counted) == 1);
        assertEquals(Map.of(counted, 1L), relay.metrics().errorsReceivedByCode(), "ERROR frames received by code");
        assertEquals(relay.errorsBefore(), relay.metrics().protocolErrorsByCode(),
            "a client's ERROR is no protocol error");
        if (role == PUBLISHER)
        {
            awaitCondition(() -> "the 5 messages before the ERROR; got " + relay.received().from(rawSource),
                () ->
                {
                    relay.pollHealthySubscription(100);
                    return relay.received().from(rawSource) == 5;
                });
        }
        relay.assertHealthyPairUnaffected();
    }
}
