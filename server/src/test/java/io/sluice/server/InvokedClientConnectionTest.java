package io.sluice.server;

import io.sluice.client.CallbackSubscription;
import io.sluice.client.ClientConfig;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.StreamEndpoint;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.Header;
import io.sluice.server.config.RelayConfig;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connections of an invoked client live in its owner's {@code doWork}: their heartbeats keep them up while the
 * owner's duty cycle idles, another thread's opening and closing wait for it, and closing the client on the owner
 * closes every connection with a goodbye and stops the loop.
 */
class InvokedClientConnectionTest
{
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final String CLOSED = "closed by the application";

    @Test
    void idleConnectionsOfAnOwnerThatKeepsCallingDoWorkOutliveTheRelaysHeartbeatTimeout() throws Exception
    {
        // The relay drops a connection silent for 1 s; the client, left to its own settings, would send every 5 s.
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).heartbeatIntervalMs(100)
            .heartbeatTimeoutMs(1_000).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())
                 .withHeartbeat(5_000, 10_000).withInvoker()))
        {
            final AtomicInteger onLoopReceived = new AtomicInteger();
            final CallbackSubscription onLoop = client.subscribe("quiet", (buffer, offset, length, header) ->
                onLoopReceived.incrementAndGet());
            final Subscription polled = client.subscribe("quiet");
            final ExclusivePublication publication = client.publishExclusive("quiet");
            awaitRelayConnections(relay, 1, 2);

            // Three of the relay's timeouts with nothing to send: the owner's duty cycle does only doWork and idles.
            final IdleStrategy idle = new BackoffIdleStrategy();
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < end)
            {
                for (final StreamEndpoint endpoint : new StreamEndpoint[] {onLoop, polled, publication})
                {
                    assertTrue(endpoint.isConnected(), () -> endpoint.getClass().getSimpleName() +
                        " closed while idle: " + endpoint.closeReason());
                }
                // The relay's word too: it drops the connections whose heartbeats stopped.
                assertEquals(1, relay.metrics().publishers(), "publishers the relay still has");
                assertEquals(2, relay.metrics().subscribers(), "subscribers the relay still has");
                idle.idle(client.doWork());
            }

            // Still a working stream, not merely an open socket.
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[8]);
            final long deadline = System.nanoTime() + WAIT_NANOS;
            long result;
            while ((result = publication.offer(payload, 0, payload.capacity())) == ExclusivePublication.BACK_PRESSURED)
            {
                assertTrue(System.nanoTime() < deadline, "back-pressured for a minute");
                idle.idle(client.doWork());
            }
            assertTrue(result > 0, result + " " + publication.closeReason());
            long polledReceived = 0;
            while (onLoopReceived.get() == 0 || polledReceived == 0)
            {
                assertTrue(System.nanoTime() < deadline, "the message after the idle time did not arrive");
                polledReceived += polled.poll(InvokedClientConnectionTest::ignore, 10);
                idle.idle(client.doWork());
            }
            assertEquals(1, onLoopReceived.get());
            assertEquals(1, polledReceived);
        }
    }

    @Test
    void anotherThreadOpensAndClosesSubscriptionsWhileTheOwnerRunsDoWork() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withInvoker()))
        {
            // Opened here: this thread owns the client.
            final ExclusivePublication publication = client.publishExclusive("others");
            final CompletableFuture<Void> opened = new CompletableFuture<>();
            final AtomicInteger onLoopReceived = new AtomicInteger();
            final List<StreamEndpoint> endpoints = new ArrayList<>();
            final CompletableFuture<Void> other = new CompletableFuture<>();
            new Thread(() ->
            {
                try
                {
                    // Each returns once welcomed: the owner's doWork does the handshake.
                    final Subscription polled = client.subscribe("others");
                    final CallbackSubscription onLoop = client.subscribe("others", (buffer, offset, length, header) ->
                        onLoopReceived.incrementAndGet());
                    endpoints.add(polled);
                    endpoints.add(onLoop);
                    assertTrue(polled.isConnected() && onLoop.isConnected(), "open once subscribe returns");
                    opened.complete(null);
                    long polledReceived = 0;
                    final long deadline = System.nanoTime() + WAIT_NANOS;
                    while (polledReceived == 0 || onLoopReceived.get() == 0)
                    {
                        assertTrue(System.nanoTime() < deadline, "the owner's message did not arrive");
                        polledReceived += polled.poll(InvokedClientConnectionTest::ignore, 10);
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    }
                    // Each returns once its goodbye closed the connection: the owner's doWork writes it.
                    polled.close();
                    onLoop.close();
                    other.complete(null);
                }
                catch (final Throwable ex)
                {
                    opened.completeExceptionally(ex);
                    other.completeExceptionally(ex);
                }
            }, "other").start();

            final IdleStrategy idle = new BackoffIdleStrategy();
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[8]);
            boolean sent = false;
            final long deadline = System.nanoTime() + WAIT_NANOS;
            while (!other.isDone())
            {
                assertTrue(System.nanoTime() < deadline, "the other thread did not finish");
                if (!sent && opened.isDone() && !opened.isCompletedExceptionally())
                {
                    sent = publication.offer(payload, 0, payload.capacity()) > 0;
                }
                idle.idle(client.doWork());
            }
            other.get();
            // Each close returned once the owner's doWork had handled the connection's end.
            for (final StreamEndpoint endpoint : endpoints)
            {
                final String kind = endpoint.getClass().getSimpleName();
                assertFalse(endpoint.isConnected(), kind);
                assertTrue(endpoint.isClosed(), kind);
                assertEquals(CLOSED, endpoint.closeReason(), kind);
            }
            assertEquals(1, onLoopReceived.get());
            awaitRelayConnections(relay, 1, 0);
        }
    }

    @Test
    void eachEndpointClosedOnTheOwnerIsDisconnectedOnceItsCloseReturns() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withInvoker()))
        {
            final List<StreamEndpoint> endpoints = List.of(client.publish("closing-one"),
                client.publishExclusive("closing-one"), client.subscribe("closing-one"),
                client.subscribe("closing-one", InvokedClientConnectionTest::ignore));
            final List<String> expected = new ArrayList<>();
            final List<String> closed = new ArrayList<>();
            for (final StreamEndpoint endpoint : endpoints)
            {
                endpoint.close();
                final String kind = endpoint.getClass().getSimpleName();
                expected.add(kind + ": connected false, " + CLOSED);
                closed.add(kind + ": connected " + endpoint.isConnected() + ", " + endpoint.closeReason());
            }
            assertEquals(expected, closed);
            awaitRelayConnections(relay, 0, 0);
        }
    }

    @Test
    void closingTheClientOnItsOwnerClosesEveryEndpointWithAGoodbyeAndStopsTheLoop() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build()))
        {
            final SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withInvoker());
            final Publication shared = client.publish("closing-all");
            final ExclusivePublication exclusive = client.publishExclusive("closing-all");
            final Subscription polled = client.subscribe("closing-all");
            final CallbackSubscription onLoop = client.subscribe("closing-all", InvokedClientConnectionTest::ignore);
            awaitRelayConnections(relay, 2, 2);

            client.close();
            for (final StreamEndpoint endpoint : new StreamEndpoint[] {shared, exclusive, polled, onLoop})
            {
                final String kind = endpoint.getClass().getSimpleName();
                assertTrue(endpoint.isClosed(), kind);
                assertFalse(endpoint.isConnected(), kind);
                assertEquals(CLOSED, endpoint.closeReason(), kind);
            }
            // The loop has stopped: nothing is left to do, and asking is harmless.
            assertEquals(0, client.doWork());
            assertEquals(0, client.doWork());
            awaitRelayConnections(relay, 0, 0);
        }
    }

    // A handler for messages only counted, or not even that.
    private static void ignore(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        // Nothing to look at.
    }

    // Until the relay counts that many publishers and subscribers.
    private static void awaitRelayConnections(final Relay relay, final int publishers, final int subscribers)
    {
        final long deadline = System.nanoTime() + WAIT_NANOS;
        while (relay.metrics().publishers() != publishers || relay.metrics().subscribers() != subscribers)
        {
            assertTrue(System.nanoTime() < deadline, "the relay has " + relay.metrics().publishers() +
                " publishers and " + relay.metrics().subscribers() + " subscribers");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
