package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A graceful stop with a backlog in the relay: it stops reading publishers, lets the subscriber drain everything
 * within the grace period, and only then closes; nothing the relay accepted is lost.
 */
class GracefulShutdownTest
{
    private static final int PAYLOAD = 64;

    @Test
    void subscribersDrainTheBacklogBeforeConnectionsClose() throws Exception
    {
        final Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2)
            .defaultStream(StreamConfig.DEFAULT.withStrategy(Strategy.BUFFER)).build());
        try (SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)))
        {
            final Subscription subscription = client.subscribe("graceful");
            final Publication publication = client.publish("graceful");
            // The subscriber does not poll yet: the backlog builds up in its ring, the sockets and the lane.
            final long sent = 100_000;
            Traffic.publishNumbered(publication, sent, PAYLOAD);
            Traffic.awaitAcked(publication, sent - 1);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            assertTrue(relay.metrics().bufferedBytes() > 0, "no backlog in the relay to drain");

            // Stop with a generous grace period while the subscriber catches up.
            final CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> relay.close(Duration.ofSeconds(60)));
            final OrderCheckingHandler handler = new OrderCheckingHandler();
            while (handler.received < sent)
            {
                if (subscription.poll(handler, 10_000) == 0)
                {
                    assertTrue(System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(60),
                        "only " + handler.received + " of " + sent + " arrived");
                    LockSupport.parkNanos(100_000);
                }
            }
            closed.get(60, TimeUnit.SECONDS);
            assertEquals(sent, handler.received, handler.toString());
            assertTrue(handler.clean(), handler.toString());
        }
        finally
        {
            relay.close();
        }
    }
}
