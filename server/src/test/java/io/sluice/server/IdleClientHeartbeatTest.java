package io.sluice.server;

import io.sluice.client.CallbackSubscription;
import io.sluice.client.ClientConfig;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.SluiceClient;
import io.sluice.client.StreamEndpoint;
import io.sluice.client.Subscription;
import io.sluice.server.config.RelayConfig;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An idle connection of the event-loop client stays up when the relay's heartbeat timeout is shorter than the
 * client's own heartbeat interval: once welcomed, the client sends at the interval the relay announced (protocol.md
 * §5), not at the one it was configured with.
 */
class IdleClientHeartbeatTest
{
    @Test
    void idleConnectionsSendAtTheRelaysIntervalAndOutliveItsTimeout() throws Exception
    {
        // The relay drops a connection silent for 1 s; the client, left to itself, would send every 5 s.
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).heartbeatIntervalMs(100)
            .heartbeatTimeoutMs(1_000).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())
                 .withHeartbeat(5_000, 10_000)))
        {
            final AtomicInteger received = new AtomicInteger();
            final CallbackSubscription onLoop = client.subscribe("quiet", (buffer, offset, length, header) ->
                received.incrementAndGet());
            final Subscription polled = client.subscribe("quiet");
            final ExclusivePublication publication = client.publishExclusive("quiet");

            // Three of the relay's timeouts with nothing to send: each connection says only its heartbeats.
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < end)
            {
                for (final StreamEndpoint endpoint : new StreamEndpoint[] {onLoop, polled, publication})
                {
                    assertTrue(endpoint.isConnected(), () -> endpoint.stream() + " closed while idle: " +
                        endpoint.closeReason());
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }

            // Still a working stream, not merely an open socket.
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[8]);
            while (publication.offer(payload, 0, payload.capacity()) < 0)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (received.get() == 0)
            {
                assertTrue(System.nanoTime() < deadline, "the message after the idle time did not arrive");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            assertEquals(1, received.get());
        }
    }
}
