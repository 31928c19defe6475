package io.sluice.server.bridge;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.server.Relay;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.RelayConfigFile;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay's bridge SPI with a bridge of the tests' own ({@link RecordingBridgeFactory}, found through
 * {@code META-INF/services} like the Kafka bridges): the config file's {@code bridges} list and its errors, and when
 * a relay starts and stops its bridges.
 */
class BridgeSpiTest
{
    @BeforeEach
    void forget()
    {
        RecordingBridgeFactory.MADE.clear();
    }

    private static RelayConfig.Builder parse(final String yaml)
    {
        return RelayConfigFile.parse(yaml, "relay.yaml", RelayConfig.builder());
    }

    private static String error(final String yaml)
    {
        return assertThrows(IllegalArgumentException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void theConfigFileListsBridgesWithTheirTypeStreamNameAndOwnSettings()
    {
        final RelayConfig config = parse("""
            bridges:
              - type: recording
                stream: orders
                count: 7
              - type: recording
                name: second
                stream: orders
                problem: none here
            """).build();
        assertEquals(2, config.bridges().size());
        final BridgeConfig first = config.bridges().get(0);
        assertEquals("recording-orders", first.name());
        assertEquals("recording", first.type());
        assertEquals("orders", first.stream());
        assertEquals(Map.of("count", "7"), first.settings());
        assertEquals(7, first.typedSettings().wholeNumber("count", 0, 0, 10));
        assertEquals("second", config.bridges().get(1).name());
        assertEquals(List.of(), parse("bridges:\n").build().bridges());
    }

    @Test
    void aWrongBridgeIsRefusedNamingTheFileAndTheKey()
    {
        assertEquals("bad value for 'bridges[0].type' in relay.yaml: unknown bridge type 'kafak-sink' "
            + "(known: recording)", error("bridges:\n  - type: kafak-sink\n    stream: orders\n"));
        assertEquals("unknown key 'bridges[1].colour' in relay.yaml (known: count, fail-start, problem)",
            error("bridges:\n  - type: recording\n    stream: a\n  - type: recording\n    stream: b\n"
                + "    colour: red\n"));
        assertEquals("bad value for 'bridges[0].count' in relay.yaml: 'many' is not a whole number",
            error("bridges:\n  - type: recording\n    stream: orders\n    count: many\n"));
        assertEquals("bad value for 'bridges[0].count' in relay.yaml: 5000 is out of range (0..1000)",
            error("bridges:\n  - type: recording\n    stream: orders\n    count: 5000\n"));
        assertEquals("bad value for 'bridges[0].stream' in relay.yaml: no stream given",
            error("bridges:\n  - type: recording\n"));
        assertEquals("bad value for 'bridges[0].type' in relay.yaml: no bridge type given",
            error("bridges:\n  - stream: orders\n"));
        assertTrue(error("bridges:\n  - type: recording\n    stream: 'a b'\n")
            .startsWith("bad value for 'bridges[0].stream' in relay.yaml: stream name 'a b' has character ' '"));
        assertEquals("bad value for 'bridges[1].name' in relay.yaml: another bridge is named 'recording-orders' (by "
                + "default a bridge is named <type>-<stream>): give each a name of its own",
            error("bridges:\n  - type: recording\n    stream: orders\n  - type: recording\n    stream: orders\n"));
        assertEquals("bad value for 'bridges' in relay.yaml: expected a list of bridges (each starting with "
            + "'- type: ...'), found a mapping", error("bridges:\n  type: recording\n"));
    }

    @Test
    void theRelayStartsItsBridgesOnceListeningAndLetsASinkDrainItsLaneBeforeClosingIt() throws Exception
    {
        final int messages = 20_000;
        final Relay relay = Relay.start(RelayConfig.builder().port(0).authToken("secret")
            .bridge(new BridgeConfig(null, "recording", "orders", Map.of())).build());
        final RecordingBridgeFactory.Recording bridge = RecordingBridgeFactory.MADE.get("recording-orders");
        try
        {
            assertEquals(List.of("start"), bridge.calls);
            // The relay's listener for its own clients: loopback, plain, a token of its own, not the auth-token.
            assertEquals(relay.internalAccess().port(), bridge.context().relayPort());
            assertNotEquals(relay.port(), bridge.context().relayPort());
            assertEquals("127.0.0.1", bridge.context().relayHost());
            assertEquals(relay.internalAccess().token(), bridge.context().authToken());
            assertNotEquals("secret", bridge.context().authToken());
            assertFalse(bridge.context().hasDeadLetterStore());
            assertEquals(1, bridge.context().subscribers("orders"), "the bridge's own subscription");
            assertEquals(0, bridge.context().subscribers("elsewhere"));
            assertEquals(List.of("recording-orders"), relay.bridges().snapshots().stream()
                .map(BridgeSnapshot::name).toList());

            try (SluiceClient client =
                     new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withAuthToken("secret"));
                 Publication publication = client.publish("orders"))
            {
                final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
                for (int i = 0; i < messages; i++)
                {
                    assertTrue(publication.send(payload, 0, 64, Duration.ofSeconds(10)) >= 0);
                }
                final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (publication.ackedSequence() < messages - 1 && System.nanoTime() < deadline)
                {
                    Thread.sleep(1);
                }
                assertEquals(messages - 1, publication.ackedSequence());
            }
        }
        finally
        {
            relay.close(Duration.ofSeconds(10));
        }
        assertEquals(List.of("start", "relayStopping", "close"), bridge.calls);
        assertTrue(bridge.drainedAtClose, "the relay closed the bridge's subscription after draining its lane");
        assertEquals(messages, bridge.received.get());
    }

    @Test
    void aBridgeThatCannotStartKeepsTheRelayFromStartingAndTheOnesStartedAreClosed()
    {
        final RelayConfig config = RelayConfig.builder().port(0)
            .bridge(new BridgeConfig("fine", "recording", "a", Map.of()))
            .bridge(new BridgeConfig("broken", "recording", "b", Map.of("fail-start", "true")))
            .build();
        final IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> Relay.start(config));
        assertEquals("cannot start bridges: told to fail", thrown.getMessage());
        assertEquals(List.of("start", "close"), RecordingBridgeFactory.MADE.get("fine").calls);

        final RelayConfig unknown = RelayConfig.builder().port(0)
            .bridge(new BridgeConfig(null, "nowhere", "a", Map.of())).build();
        assertEquals("bridge 'nowhere-a': bad value for 'type': unknown bridge type 'nowhere' (known: recording)",
            assertThrows(IllegalArgumentException.class, () -> Relay.start(unknown)).getMessage());
    }
}
