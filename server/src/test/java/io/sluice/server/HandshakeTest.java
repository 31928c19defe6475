package io.sluice.server;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.server.config.RelayConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.sluice.server.RawFrames.hello;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The handshake as protocol.md §4 describes it, seen from a raw socket: the relay sends nothing before it answers
 * the HELLO, and its answer is WELCOME or ERROR; heartbeats start after the WELCOME.
 */
class HandshakeTest
{
    private static final int PUBLISHER = 1;
    private static final int SUBSCRIBER = 2;

    private Relay relay;

    @AfterEach
    void stop()
    {
        if (relay != null)
        {
            relay.close();
        }
    }

    @Test
    void nothingIsSentBeforeTheHelloIsAnswered() throws Exception
    {
        // Heartbeats every 20 ms: without the rule, a dozen would come before the hello timeout's ERROR.
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(1).heartbeatIntervalMs(20).heartbeatTimeoutMs(5_000)
            .helloTimeoutMs(300).build());
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final RawPeer.Frame first = peer.readFrame();
            assertEquals(FrameType.ERROR, first.type(), "first frame from the relay: " + first);
            assertEquals(ErrorCode.HELLO_TIMEOUT, first.errorCode(), first.toString());
            peer.assertClosedByRelay();
        }
    }

    @Test
    void theFirstFrameAfterHelloIsWelcomeAndHeartbeatsFollowIt() throws Exception
    {
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(1).heartbeatIntervalMs(20).heartbeatTimeoutMs(5_000)
            .build());
        for (final int role : new int[]{PUBLISHER, SUBSCRIBER})
        {
            try (RawPeer peer = new RawPeer(relay.port()))
            {
                peer.send(hello(role, "handshake", "", ""));
                final RawPeer.Frame first = peer.readFrame();
                assertEquals(FrameType.WELCOME, first.type(), "first frame from the relay: " + first);
                assertEquals(FrameType.HEARTBEAT, peer.readFrame().type(), "the frame after WELCOME");
            }
        }
    }
}
