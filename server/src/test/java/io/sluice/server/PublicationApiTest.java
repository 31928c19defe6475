package io.sluice.server;

import io.sluice.client.BackPressuredException;
import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.server.config.RelayConfig;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The blocking and async sends over a real relay: the blocking send returns once accepted, and each async send
 * completes with its sequence once the relay acknowledged it, in order; a full backlog of async sends is refused
 * at once rather than queued without bound.
 */
class PublicationApiTest
{
    private static final int PAYLOAD = 64;

    @Test
    void sendAndSendAsyncDeliverEverythingInOrder() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)))
        {
            final Subscription subscription = client.subscribe("api");
            final Publication publication = client.publish("api");
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
            final OrderCheckingHandler handler = new OrderCheckingHandler();

            for (long i = 0; i < 1_000; i++)
            {
                payload.putLong(0, i);
                assertTrue(publication.send(payload, 0, PAYLOAD, Duration.ofSeconds(10)) >= 0);
            }
            final List<CompletableFuture<Long>> futures = new ArrayList<>();
            for (long i = 1_000; i < 3_000; i++)
            {
                payload.putLong(0, i);
                futures.add(publication.sendAsync(payload, 0, PAYLOAD));
                while (subscription.poll(handler, 1_000) > 0)
                {
                    Thread.onSpinWait();
                }
            }
            for (int i = 0; i < futures.size(); i++)
            {
                assertEquals(1_000L + i, futures.get(i).get(30, TimeUnit.SECONDS));
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (handler.received < 3_000)
            {
                assertTrue(System.nanoTime() < deadline, handler.toString());
                if (subscription.poll(handler, 1_000) == 0)
                {
                    LockSupport.parkNanos(100_000);
                }
            }
            assertEquals(3_000, handler.received);
            assertTrue(handler.clean(), handler.toString());
            assertTrue(publication.ackedSequence() >= 2_999);
        }
    }

    @Test
    void asyncSendsBeyondTheBoundAreRefusedNotQueued() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)))
        {
            client.subscribe("api-bound"); // never polled: the path fills, and acks stop
            final Publication publication = client.publish("api-bound");
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(1024));
            int refused = 0;
            final List<CompletableFuture<Long>> futures = new ArrayList<>();
            for (int i = 0; i < SluiceClient.DEFAULT_MAX_PENDING_ASYNC * 200 && refused == 0; i++)
            {
                final CompletableFuture<Long> future = publication.sendAsync(payload, 0, 1024);
                if (future.isCompletedExceptionally())
                {
                    try
                    {
                        future.get();
                    }
                    catch (final ExecutionException ex)
                    {
                        assertTrue(ex.getCause() instanceof BackPressuredException, ex.toString());
                        refused++;
                    }
                }
                else
                {
                    futures.add(future);
                }
            }
            assertEquals(1, refused, "a full async backlog must refuse the next send");
            final long pending = futures.stream().filter(f -> !f.isDone()).count();
            assertTrue(pending <= SluiceClient.DEFAULT_MAX_PENDING_ASYNC, "pending " + pending);
        }
    }
}
