package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.example.FailingPolicy;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.drop.DropPolicySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.sluice.server.RawFrames.hello;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A durable subscription name is held by one connection at a time, and only while the relay serves it: a second
 * connection is refused while the first holds it (after waiting for it to go); a subscriber that leaves and comes
 * straight back gets its name, even when the relay reads the new HELLO before the old connection's end; a HELLO that
 * fails after claiming the name (its lane cannot be built) gives it back, so the next HELLO with the name is welcomed.
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
    void aSecondConnectionIsRefusedWhileTheFirstHoldsTheNameAndTheFirstGoesOn() throws Exception
    {
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
        try (RawPeer holder = new RawPeer(relay.port()))
        {
            holder.send(hello(SUBSCRIBER, STREAM, "audit", ""));
            assertEquals(FrameType.WELCOME, holder.readFrame().type());
            try (RawPeer second = new RawPeer(relay.port()))
            {
                second.send(hello(SUBSCRIBER, STREAM, "audit", ""));
                final RawPeer.Frame error = second.awaitError(10_000);
                assertEquals(ErrorCode.SUBSCRIPTION_IN_USE, error.errorCode(), error.toString());
                assertEquals("subscription 'audit' of stream 'claims' is already connected", error.errorText());
                second.assertClosedByRelay();
            }
            assertEquals(1, relay.metrics().subscribers(), "the holder is still served");
        }
    }

    @Test
    void aSubscriberThatLeavesAndComesStraightBackGetsItsName() throws Exception
    {
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
        // Each connection likely lands on the other event loop than the one before: the new HELLO can be read before
        // the old connection's end, which the relay waits for. Half the rounds say CLOSE first, half just close.
        for (int i = 0; i < 200; i++)
        {
            try (RawPeer peer = new RawPeer(relay.port()))
            {
                peer.send(hello(SUBSCRIBER, STREAM, "audit", ""));
                final RawPeer.Frame answer = peer.readFrame();
                assertEquals(FrameType.WELCOME, answer.type(), "connection " + i + ": " + answer);
                if (i % 2 == 0)
                {
                    peer.send(RawFrames.empty(FrameType.CLOSE));
                }
            }
        }
    }

    @Test
    void aDurableSubscriptionClosedByTheApplicationCanBeTakenAgainAtOnce(@TempDir final Path spillDir) throws Exception
    {
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).spillDirectory(spillDir)
            .defaultStream(StreamConfig.DEFAULT.withStrategy(Strategy.SPILL)).build());
        try (SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            for (int i = 0; i < 30; i++)
            {
                final Subscription subscription = client.subscribe(STREAM, "audit");
                assertTrue(subscription.isConnected(), "subscription " + i);
                subscription.close();
            }
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
