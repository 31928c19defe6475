package io.sluice.server;

import io.sluice.client.CallbackSubscription;
import io.sluice.client.ClientConfig;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.SluiceClient;
import io.sluice.server.config.RelayConfig;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SluiceClient#doWork()} where it cannot run is refused with an IllegalStateException that says why: on a
 * client with event loop threads of its own, on another thread than the invoked client's owner, and from a message
 * handler, which doWork itself runs. A refusal changes nothing: the client goes on delivering.
 */
class InvokedClientMisuseTest
{
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    @Test
    void doWorkOnAClientWithEventLoopThreadsIsRefusedNamingTheInvokerMode()
    {
        try (SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", 7440)))
        {
            final IllegalStateException refused = assertThrows(IllegalStateException.class, client::doWork);
            assertTrue(refused.getMessage().contains("invoker mode") &&
                refused.getMessage().contains("ClientConfig.withInvoker()"), refused.getMessage());
        }
    }

    @Test
    void doWorkOnAnotherThreadThanTheOwnerIsRefusedNamingTheOwnerAndLeavesItTheClient() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             InvokerThread owner = new InvokerThread(ClientConfig.of("127.0.0.1", relay.port()).withInvoker());
             SluiceClient producers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final AtomicReference<SluiceClient> invoked = new AtomicReference<>();
            final AtomicInteger received = new AtomicInteger();
            // Opening a subscription makes the invoker thread the owner; it has not called doWork yet.
            owner.open(client ->
            {
                invoked.set(client);
                client.subscribe("not-mine", (buffer, offset, length, header) -> received.incrementAndGet());
                return () -> 0;
            });
            final IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> invoked.get().doWork());
            assertTrue(refused.getMessage().contains("this client belongs to invoker") &&
                refused.getMessage().contains(Thread.currentThread().getName()), refused.getMessage());

            // Still the owner's: its doWork delivers.
            try (ExclusivePublication publication = producers.publishExclusive("not-mine"))
            {
                offer(publication);
                awaitCount(received, 1);
            }
        }
    }

    @Test
    void doWorkFromAMessageHandlerOnTheOwnerIsRefusedAndDeliveryGoesOn() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withInvoker());
             SluiceClient producers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final List<String> refusals = new CopyOnWriteArrayList<>();
            final AtomicInteger received = new AtomicInteger();
            final CallbackSubscription subscription = client.subscribe("reentrant", (buffer, offset, length, header) ->
            {
                received.incrementAndGet();
                try
                {
                    client.doWork();
                    refusals.add("not refused");
                }
                catch (final IllegalStateException ex)
                {
                    refusals.add(ex.getMessage());
                }
            });
            try (ExclusivePublication publication = producers.publishExclusive("reentrant"))
            {
                offer(publication);
                offer(publication);
                final IdleStrategy idle = new BackoffIdleStrategy();
                final long deadline = System.nanoTime() + WAIT_NANOS;
                while (received.get() < 2)
                {
                    assertTrue(System.nanoTime() < deadline, "received " + received.get() + " of 2");
                    idle.idle(client.doWork());
                }
            }
            assertEquals(List.of("doWork from a message handler, which doWork itself runs",
                "doWork from a message handler, which doWork itself runs"), refusals);
            assertTrue(subscription.isConnected(), subscription.closeReason());
        }
    }

    private static void offer(final ExclusivePublication publication)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[8]);
        final long deadline = System.nanoTime() + WAIT_NANOS;
        long result;
        while ((result = publication.offer(payload, 0, payload.capacity())) == ExclusivePublication.BACK_PRESSURED)
        {
            assertTrue(System.nanoTime() < deadline, "back-pressured for a minute");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertTrue(result > 0, result + " " + publication.closeReason());
    }

    private static void awaitCount(final AtomicInteger count, final int target)
    {
        final long deadline = System.nanoTime() + WAIT_NANOS;
        while (count.get() < target)
        {
            assertTrue(System.nanoTime() < deadline, "received " + count.get() + " of " + target);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
