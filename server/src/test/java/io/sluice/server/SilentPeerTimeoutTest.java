package io.sluice.server;

import io.sluice.core.protocol.ErrorCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.sluice.server.RawFrames.data;
import static io.sluice.server.RelayUnderBadInput.PUBLISHER;
import static io.sluice.server.RelayUnderBadInput.STREAM;
import static io.sluice.server.RelayUnderBadInput.SUBSCRIBER;
import static io.sluice.server.RelayUnderBadInput.expectRejected;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer that falls silent after its WELCOME, or in the middle of a frame, is refused with HEARTBEAT_TIMEOUT once the
 * heartbeat timeout has passed, and not before. Each bad connection gets an ERROR of the right code whose text names
 * the offending value, on that connection only, and the relay counts the error exactly once, while a healthy
 * publisher/subscriber pair on the same stream goes on delivering in order ({@link RelayUnderBadInput}). Netty runs
 * with paranoid leak detection, and the leak extension fails the class on any LEAK report.
 */
class SilentPeerTimeoutTest
{
    private final RelayUnderBadInput relay = new RelayUnderBadInput();

    @AfterEach
    void stop()
    {
        relay.close();
    }

    static Stream<Arguments> silentPeers()
    {
        return Stream.of(
            Arguments.of("silent publisher", PUBLISHER, false),
            Arguments.of("silent subscriber", SUBSCRIBER, false),
            Arguments.of("publisher silent after half a DATA frame", PUBLISHER, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("silentPeers")
    void silentPeerTimesOut(final String name, final int role, final boolean halfFrame) throws Exception
    {
        relay.start(
            b -> b.heartbeatIntervalMs(100).heartbeatTimeoutMs(500), c -> c.withHeartbeat(100, 2_000));
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final long start = System.nanoTime();
            final RawPeer.Frame welcome = peer.handshake(role, STREAM, "");
            if (halfFrame)
            {
                final byte[] dataFrame = data(welcome.streamId(), welcome.sourceId(), 0);
                peer.send(Arrays.copyOf(dataFrame, 20));
            }
            expectRejected(peer, ErrorCode.HEARTBEAT_TIMEOUT, "timeout 500 ms");
            final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(elapsedMs >= 500, "HEARTBEAT_TIMEOUT after only " + elapsedMs + " ms");
        }
        relay.assertOnlyNewError(ErrorCode.HEARTBEAT_TIMEOUT);
        relay.assertHealthyPairUnaffected();
    }
}
