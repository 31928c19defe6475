package io.sluice.server;

import io.sluice.client.BufferClaim;
import io.sluice.client.CallbackSubscription;
import io.sluice.client.ClientConfig;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.server.config.RelayConfig;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients in the invoker mode over a real relay: the thread that owns each client does all of its I/O in
 * {@code doWork}, and what they send arrives once and in order.
 */
class InvokedClientTest
{
    private static final int PAYLOAD = 64;
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    @Test
    void claimedMessagesArriveOnceAndInOrderAtBothKindsOfSubscriptionOfAnInvokedClient() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             InvokerThread consumers = new InvokerThread(ClientConfig.of("127.0.0.1", relay.port()).withInvoker());
             SluiceClient producers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withInvoker()))
        {
            final LoopOrderCheckingHandler onLoop = new LoopOrderCheckingHandler();
            final OrderCheckingHandler polledHandler = new OrderCheckingHandler();
            consumers.open(client ->
            {
                final CallbackSubscription callback = client.subscribe("invoked", onLoop);
                final Subscription polled = client.subscribe("invoked");
                return () -> polled.poll(polledHandler, 1000);
            });
            final ExclusivePublication publication = producers.publishExclusive("invoked");
            final BufferClaim claim = new BufferClaim();
            final IdleStrategy idle = new BackoffIdleStrategy();
            final long count = 200_000;
            final long deadline = System.nanoTime() + WAIT_NANOS;
            for (long i = 0; i < count; i++)
            {
                long result;
                while ((result = publication.tryClaim(PAYLOAD, claim)) == ExclusivePublication.BACK_PRESSURED)
                {
                    assertTrue(System.nanoTime() < deadline, "back-pressured for a minute at message " + i);
                    idle.idle(producers.doWork());
                }
                idle.reset();
                assertTrue(result > 0, "claim failed: " + result + " " + publication.closeReason());
                claim.buffer().putLong(claim.offset(), i);
                claim.commit();
                if ((i & 255) == 0)
                {
                    producers.doWork();
                }
            }
            while (onLoop.received < count || consumers.polled() < count)
            {
                assertTrue(System.nanoTime() < deadline, onLoop.checker + " / " + polledHandler);
                idle.idle(producers.doWork());
            }
            consumers.close();
            assertEquals(count, onLoop.checker.received, onLoop.checker.toString());
            assertTrue(onLoop.checker.clean(), onLoop.checker.toString());
            assertEquals(count, polledHandler.received, polledHandler.toString());
            assertTrue(polledHandler.clean(), polledHandler.toString());
        }
    }

    @Test
    void closingAPublicationOnItsOwnerSendsEverythingCommittedWithoutAnotherDoWork() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient consumers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             SluiceClient producers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withInvoker()))
        {
            final LoopOrderCheckingHandler received = new LoopOrderCheckingHandler();
            final CallbackSubscription subscription = consumers.subscribe("closing", received);
            final ExclusivePublication publication = producers.publishExclusive("closing");
            final BufferClaim claim = new BufferClaim();
            final long count = 1_000;
            for (long i = 0; i < count; i++)
            {
                assertTrue(publication.tryClaim(PAYLOAD, claim) > 0, publication.closeReason());
                claim.buffer().putLong(claim.offset(), i);
                claim.commit();
            }
            publication.close();
            assertEquals("closed by the application", publication.closeReason());
            final long deadline = System.nanoTime() + WAIT_NANOS;
            while (received.received < count)
            {
                assertTrue(System.nanoTime() < deadline, received.checker.toString());
                Thread.onSpinWait();
            }
            subscription.close();
            assertEquals(count, received.checker.received);
            assertTrue(received.checker.clean(), received.checker.toString());
        }
    }
}
