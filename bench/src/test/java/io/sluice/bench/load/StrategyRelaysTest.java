package io.sluice.bench.load;

import io.sluice.client.SubscribeOptions;
import io.sluice.server.config.RelayConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StrategyRelaysTest
{
    @Test
    void lowLatencyBoundsThePathToTheConsumerWithAnAckWindowNotWithSocketBuffers(@TempDir final Path spill)
    {
        // A send buffer of a few KiB on the relay, or a receive buffer on the client, stalls TCP on Linux (delayed
        // ACKs, a window below the sender's segment): the window of unacknowledged messages bounds the same bytes.
        for (final String strategy : StrategyRelays.ALL)
        {
            final RelayConfig config = StrategyRelays.config(strategy, spill, 1, "64MiB", true).config();
            assertEquals(0, config.subscriberSendBufferBytes(), strategy + ": the OS's send buffer");
        }
        final SubscribeOptions options = StrategyRelays.LOW_LATENCY_SUBSCRIBE;
        assertTrue(options.isAcknowledged());
        assertEquals(128, options.windowMessages());
        assertEquals(16 * 1024, options.windowBytes());
    }
}
