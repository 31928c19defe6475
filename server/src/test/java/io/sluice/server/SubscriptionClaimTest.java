package io.sluice.server;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.example.FailingPolicy;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.drop.DropPolicySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.sluice.server.RawPeer.hello;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A durable subscription name is held by one connection at a time, and only while the relay serves it: a HELLO
 * that fails after claiming the name (its lane cannot be built) gives it back, so the next HELLO with the name is
 * welcomed.
 */
class SubscriptionClaimTest
{
    private static final int SUBSCRIBER = 2;
    private static final String STREAM = "claims";

    private Relay relay;

    @AfterEach
    void stop()
    {
        FailingPolicy.fail = false;
        if (relay != null)
        {
            relay.close();
        }
    }

    @Test
    void aSubscriptionWhoseLaneCannotBeBuiltIsReleased() throws Exception
    {
        final StreamConfig failing = RelayConfig.builder().defaultStream().withStrategyName("buffer")
            .withOnFull(DropPolicySpec.of(FailingPolicy.class.getName()));
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(1).stream(STREAM, failing).build());

        FailingPolicy.fail = true;
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            peer.send(hello(SUBSCRIBER, STREAM, "audit", ""));
            final RawPeer.Frame error = peer.awaitError(10_000);
            assertEquals(ErrorCode.INTERNAL, error.errorCode(), error.toString());
            peer.assertClosedByRelay();
        }
        FailingPolicy.fail = false;
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            peer.send(hello(SUBSCRIBER, STREAM, "audit", ""));
            final RawPeer.Frame answer = peer.readFrame();
            assertEquals(FrameType.WELCOME, answer.type(), "answer to the second HELLO with the name: " + answer);
            assertEquals(1, relay.metrics().subscribers());
        }
    }
}
