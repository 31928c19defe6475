package io.sluice.server;

import io.sluice.client.BufferClaim;
import io.sluice.client.CallbackSubscription;
import io.sluice.client.ClientConfig;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.MessageHandler;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.Header;
import io.sluice.core.tls.TlsProvider;
import io.sluice.server.config.RelayConfig;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Clients in the invoker mode over a real relay: the thread that owns each client does all of its I/O in
 * {@code doWork}, and what they send arrives once and in order: claimed by the owner, offered by other threads, held
 * back by a subscriber that stopped its duty cycle, over TLS.
 */
class InvokedClientTest
{
    private static final int PAYLOAD = 64;
    // An offer's payload: the offering thread's number, then the message's index among its own.
    private static final int OFFER_PAYLOAD = 16;
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
            final IdleStrategy idle = new BackoffIdleStrategy();
            final long count = 200_000;
            final long deadline = System.nanoTime() + WAIT_NANOS;
            claimIndexes(producers, publication, count, deadline);
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
            awaitOnceInOrder(received, subscription, count);
        }
    }

    @Test
    void closingAPublicationSendsEverythingItsRingHolds() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient consumers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             SluiceClient producers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withInvoker()))
        {
            final LoopOrderCheckingHandler received = new LoopOrderCheckingHandler();
            final CallbackSubscription subscription = consumers.subscribe("ring", received);
            final Publication publication = producers.publish("ring");
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[PAYLOAD]);
            // No doWork: the ring fills, far beyond what one pass of the drain writes, and close must send it all.
            long count = 0;
            while (true)
            {
                payload.putLong(0, count);
                final long result = publication.offer(payload, 0, PAYLOAD);
                if (result == Publication.BACK_PRESSURED)
                {
                    break;
                }
                assertTrue(result >= 0, "offer of message " + count + ": " + result);
                count++;
            }
            assertTrue(count * PAYLOAD > 64 * 1024, count + " messages in the ring");
            publication.close();
            awaitOnceInOrder(received, subscription, count);
        }
    }

    @Test
    void aBlockingSendOnTheOwnerRunsTheClientsIoWhileItWaitsForRoom() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient consumers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             SluiceClient producers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withInvoker()))
        {
            final LoopOrderCheckingHandler received = new LoopOrderCheckingHandler();
            final CallbackSubscription subscription = consumers.subscribe("sending", received);
            final Publication publication = producers.publish("sending");
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[PAYLOAD]);
            // Far more than the ring holds, and no doWork: only send's own running of the I/O empties the ring.
            final long count = 100_000;
            for (long i = 0; i < count; i++)
            {
                payload.putLong(0, i);
                final long result = publication.send(payload, 0, PAYLOAD, java.time.Duration.ofSeconds(10));
                assertTrue(result >= 0, "send of message " + i + ": " + result + " " + publication.closeReason());
            }
            publication.close();
            awaitOnceInOrder(received, subscription, count);
        }
    }

    @Test
    void offersOfOtherThreadsToASharedPublicationArriveOnceAndEachThreadsInItsOrder() throws Exception
    {
        final int threads = 2;
        final long perThread = 50_000;
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient consumers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             SluiceClient producers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withInvoker()))
        {
            final PerThreadOrder received = new PerThreadOrder(threads);
            final CallbackSubscription subscription = consumers.subscribe("shared", received);
            // Opened here: this thread owns the client and is the only one to call doWork.
            final Publication publication = producers.publish("shared");
            final long deadline = System.nanoTime() + WAIT_NANOS;
            final CompletableFuture<?>[] offerers = new CompletableFuture<?>[threads];
            for (int t = 0; t < threads; t++)
            {
                offerers[t] = offerFrom(publication, t, perThread, deadline);
            }
            final CompletableFuture<Void> offered = CompletableFuture.allOf(offerers);
            final IdleStrategy idle = new BackoffIdleStrategy();
            while (!offered.isDone() || received.received < threads * perThread)
            {
                assertNull(received.fault, received.fault);
                assertTrue(System.nanoTime() < deadline, received.toString());
                if (offered.isCompletedExceptionally())
                {
                    offered.get();
                }
                idle.idle(producers.doWork());
            }
            subscription.close();
            assertNull(received.fault, received.fault);
            assertEquals(threads * perThread, received.count, received.toString());
            for (int t = 0; t < threads; t++)
            {
                assertEquals(perThread, received.next[t], "messages of thread " + t + ": " + received);
            }
        }
    }

    // Offers `count` messages of (thread, index) on a thread of its own, which is not the client's owner.
    private static CompletableFuture<Void> offerFrom(final Publication publication, final long thread,
        final long count, final long deadline)
    {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        new Thread(() ->
        {
            try
            {
                final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(OFFER_PAYLOAD));
                final IdleStrategy idle = new BackoffIdleStrategy();
                payload.putLong(0, thread);
                for (long i = 0; i < count; i++)
                {
                    payload.putLong(8, i);
                    long result;
                    while ((result = publication.offer(payload, 0, OFFER_PAYLOAD)) == Publication.BACK_PRESSURED)
                    {
                        assertTrue(System.nanoTime() < deadline, "thread " + thread + " back-pressured at " + i);
                        idle.idle();
                    }
                    idle.reset();
                    assertTrue(result >= 0, "offer " + i + " of thread " + thread + ": " + result + " " +
                        publication.closeReason());
                }
                done.complete(null);
            }
            catch (final Throwable ex)
            {
                done.completeExceptionally(ex);
            }
        }, "offerer-" + thread).start();
        return done;
    }

    @Test
    void aPausedInvokedSubscriberBackPressuresTheClaimingPublisherAndGetsEverythingOnceWhenItResumes()
        throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             InvokerThread consumer = new InvokerThread(ClientConfig.of("127.0.0.1", relay.port()).withInvoker());
             SluiceClient producers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final LoopOrderCheckingHandler received = new LoopOrderCheckingHandler();
            consumer.open(client ->
            {
                client.subscribe("paused", received);
                return () -> 0;
            });
            final ExclusivePublication publication = producers.publishExclusive("paused");
            final BufferClaim claim = new BufferClaim();
            final long bound = ClaimPublicationTest.boundInMessages(relay.config(), publication.logCapacity());
            // The owner stops calling doWork: nothing reads the subscriber's socket. Claim until the whole path is
            // stalled (refused, and the relay has read nothing new for half a second), or until the bound is broken.
            consumer.paused(true);
            final RelayStall stall = new RelayStall(relay);
            long accepted = 0;
            while (true)
            {
                final long result = publication.tryClaim(PAYLOAD, claim);
                if (result > 0)
                {
                    claim.buffer().putLong(claim.offset(), accepted);
                    claim.commit();
                    accepted++;
                    stall.reset();
                    if (accepted > bound)
                    {
                        fail("accepted " + accepted + " messages while the subscriber's owner called no doWork; " +
                            "bound " + bound + "; received " + received.received);
                    }
                    continue;
                }
                assertEquals(ExclusivePublication.BACK_PRESSURED, result, publication.closeReason());
                if (stall.isStalled())
                {
                    break;
                }
                Thread.onSpinWait();
            }
            System.out.println("claims accepted while the invoked subscriber was paused: " + accepted + " (bound " +
                bound + ")");
            assertTrue(accepted > 0);
            assertTrue(relay.metrics().bufferedBytes() > 0, "the relay should hold part of the backlog");

            // The duty cycle resumes: what was accepted arrives, once and in order, and new claims flow.
            consumer.paused(false);
            final long count = accepted + 10_000;
            final long deadline = System.nanoTime() + WAIT_NANOS;
            for (long i = accepted; i < count; i++)
            {
                long result;
                while ((result = publication.tryClaim(PAYLOAD, claim)) == ExclusivePublication.BACK_PRESSURED)
                {
                    assertTrue(System.nanoTime() < deadline, "back-pressured for a minute at message " + i);
                    Thread.onSpinWait();
                }
                assertTrue(result > 0, "claim failed: " + result + " " + publication.closeReason());
                claim.buffer().putLong(claim.offset(), i);
                claim.commit();
            }
            while (received.received < count)
            {
                assertTrue(System.nanoTime() < deadline, "received " + received.received + " of " + count);
                Thread.onSpinWait();
            }
            // Closed on its owner: the handler runs no more, and its checker may be read here.
            consumer.close();
            assertEquals(count, received.checker.received, received.checker.toString());
            assertTrue(received.checker.clean(), received.checker.toString());
        }
    }

    @Test
    void claimsOfAnInvokedClientArriveOnceAndInOrderAtAnInvokedSubscriberOverTls() throws Exception
    {
        final TestTls tls = TestTls.get();
        try (Relay relay = Relay.start(tls.on(RelayConfig.builder().port(0).ioThreads(2), TlsProvider.JDK).build());
             InvokerThread consumer = new InvokerThread(
                 tls.on(ClientConfig.of("127.0.0.1", relay.port()), TlsProvider.OPENSSL).withInvoker());
             SluiceClient producers = new SluiceClient(
                 tls.on(ClientConfig.of("127.0.0.1", relay.port()), TlsProvider.JDK).withInvoker()))
        {
            final LoopOrderCheckingHandler received = new LoopOrderCheckingHandler();
            consumer.open(client ->
            {
                client.subscribe("tls", received);
                return () -> 0;
            });
            final ExclusivePublication publication = producers.publishExclusive("tls");
            final IdleStrategy idle = new BackoffIdleStrategy();
            final long count = 50_000;
            final long deadline = System.nanoTime() + WAIT_NANOS;
            claimIndexes(producers, publication, count, deadline);
            while (received.received < count)
            {
                assertTrue(System.nanoTime() < deadline, received.checker.toString());
                idle.idle(producers.doWork());
            }
            consumer.close();
            assertEquals(count, received.checker.received, received.checker.toString());
            assertTrue(received.checker.clean(), received.checker.toString());
        }
    }

    /**
     * On a threaded client's event loop: messages of (thread, index), each thread's indexes once and in order from 0.
     * The first fault is kept.
     */
    private static final class PerThreadOrder implements MessageHandler
    {
        final long[] next;
        long count;
        volatile long received;
        volatile String fault;

        PerThreadOrder(final int threads)
        {
            this.next = new long[threads];
        }

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            count++;
            final long thread = length == OFFER_PAYLOAD ? buffer.getLong(offset) : -1;
            if (thread < 0 || thread >= next.length)
            {
                fault("message " + count + ": " + length + " bytes, thread " + thread);
                return;
            }
            final long index = buffer.getLong(offset + 8);
            if (index != next[(int)thread])
            {
                fault("message " + count + ": thread " + thread + " index " + index + ", expected " +
                    next[(int)thread]);
            }
            next[(int)thread] = index + 1;
        }

        @Override
        public void onGap(final Header header)
        {
            fault("a GAP of source " + header.sourceId());
        }

        @Override
        public void onBatchEnd()
        {
            received = count;
        }

        private void fault(final String what)
        {
            if (fault == null)
            {
                fault = what;
            }
        }

        @Override
        public String toString()
        {
            return "received " + count + ", next indexes " + Arrays.toString(next) +
                (fault == null ? "" : ", first fault: " + fault);
        }
    }

    // On the owner: claims messages 0 to count - 1 (each its index in its first 8 bytes), running the client's I/O
    // every 256 claims and whenever back-pressured.
    private static void claimIndexes(final SluiceClient client, final ExclusivePublication publication,
        final long count, final long deadline)
    {
        final BufferClaim claim = new BufferClaim();
        final IdleStrategy idle = new BackoffIdleStrategy();
        for (long i = 0; i < count; i++)
        {
            long result;
            while ((result = publication.tryClaim(PAYLOAD, claim)) == ExclusivePublication.BACK_PRESSURED)
            {
                assertTrue(System.nanoTime() < deadline, "back-pressured for a minute at message " + i);
                idle.idle(client.doWork());
            }
            idle.reset();
            assertTrue(result > 0, "claim failed: " + result + " " + publication.closeReason());
            claim.buffer().putLong(claim.offset(), i);
            claim.commit();
            if ((i & 255) == 0)
            {
                client.doWork();
            }
        }
    }

    // Waits until a threaded client's callback subscription received count messages, closes it, then checks each
    // arrived once and in order.
    private static void awaitOnceInOrder(final LoopOrderCheckingHandler received,
        final CallbackSubscription subscription, final long count)
    {
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
