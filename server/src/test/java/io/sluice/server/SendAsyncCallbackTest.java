package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.server.config.RelayConfig;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where {@link Publication#sendAsync} futures complete: never on the event loop, so a callback that blocks stops
 * neither its own connection nor the others sharing the loop.
 */
class SendAsyncCallbackTest
{
    private static final int PAYLOAD = 64;
    private static final long MORE = 10_000;

    @Test
    void aBlockingCallbackStopsNoTrafficOnTheEventLoop() throws Exception
    {
        // One io thread: the publication and the subscription share the event loop the callback would block.
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(1)))
        {
            final Subscription subscription = client.subscribe("callbacks");
            final Publication publication = client.publish("callbacks");
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final AtomicReference<String> callbackThread = new AtomicReference<>();
            final Thread testThread = Thread.currentThread();
            long sent = 0;
            try
            {
                // A future already complete runs the callback at once on the thread that chains it: try again until
                // the callback was chained in time to run where the future completes.
                final AtomicBoolean ranHere = new AtomicBoolean(true);
                while (ranHere.get())
                {
                    ranHere.set(false);
                    payload.putLong(0, sent++);
                    publication.sendAsync(payload, 0, PAYLOAD).thenAccept(sequence ->
                    {
                        if (Thread.currentThread() == testThread)
                        {
                            ranHere.set(true);
                            return;
                        }
                        callbackThread.set(Thread.currentThread().getName());
                        entered.countDown();
                        awaitQuietly(release);
                    });
                }
                assertTrue(entered.await(30, TimeUnit.SECONDS), "the future never completed");

                // The callback blocks. Messages still flow both ways over the same loop, and ACKs still arrive.
                final long secondSequence = sent;
                payload.putLong(0, sent++);
                final CompletableFuture<Long> second = publication.sendAsync(payload, 0, PAYLOAD);
                final OrderCheckingHandler handler = new OrderCheckingHandler();
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                for (long i = sent; i < sent + MORE; i++)
                {
                    payload.putLong(0, i);
                    while (publication.offer(payload, 0, PAYLOAD) < 0)
                    {
                        assertTrue(System.nanoTime() < deadline, "publishing stalled at " + i + ": " + handler);
                        subscription.poll(handler, 1_000);
                    }
                }
                sent += MORE;
                while (handler.received < sent || publication.ackedSequence() < sent - 1)
                {
                    assertTrue(System.nanoTime() < deadline, "stalled: " + handler + ", acked " +
                        publication.ackedSequence());
                    if (subscription.poll(handler, 1_000) == 0)
                    {
                        LockSupport.parkNanos(100_000);
                    }
                }
                assertTrue(handler.clean(), handler.toString());
                assertTrue(callbackThread.get().startsWith("sluice-callbacks-"), callbackThread.get());
                // The client's own callback thread completes futures one at a time, in order: the second waits.
                assertFalse(second.isDone());
                release.countDown();
                assertEquals(secondSequence, second.get(30, TimeUnit.SECONDS));
            }
            finally
            {
                release.countDown();
            }
        }
    }

    @Test
    void futuresCompleteOnTheExecutorTheConfigNames() throws Exception
    {
        final ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "app-callbacks"));
        // The executor's tasks wait for the gate: the stage is chained while the future cannot have completed there,
        // so it runs where the library completes the future, not on this thread.
        final CountDownLatch gate = new CountDownLatch(1);
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())
                 .withCallbackExecutor(task -> executor.execute(() ->
                 {
                     awaitQuietly(gate);
                     task.run();
                 }))))
        {
            final Publication publication = client.publish("callbacks");
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
            final CompletableFuture<Long> sent = publication.sendAsync(payload, 0, PAYLOAD);
            final CompletableFuture<String> thread = sent.thenApply(sequence -> Thread.currentThread().getName());
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (publication.ackedSequence() < 0)
            {
                assertTrue(System.nanoTime() < deadline, "never acknowledged");
                LockSupport.parkNanos(100_000);
            }
            assertFalse(sent.isDone(), "acknowledged, but completed only by the executor");
            gate.countDown();
            assertEquals("app-callbacks", thread.get(30, TimeUnit.SECONDS));
            publication.close();
            final CompletableFuture<Long> late = publication.sendAsync(payload, 0, PAYLOAD);
            assertTrue(late.isCompletedExceptionally());
        }
        finally
        {
            gate.countDown();
            executor.shutdownNow();
        }
    }

    @Test
    void sendsStayPendingUntilTheirCallbacksHaveRunSoAStalledExecutorFillsTheBound() throws Exception
    {
        // An executor that holds its tasks: the relay ACKs every send, but no future completes.
        final java.util.concurrent.LinkedBlockingQueue<Runnable> held =
            new java.util.concurrent.LinkedBlockingQueue<>();
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())
                 .withCallbackExecutor(held::add)))
        {
            client.subscribe("held-callbacks");
            final Publication publication = client.publish("held-callbacks");
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
            final java.util.List<CompletableFuture<Long>> futures = new java.util.ArrayList<>();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            CompletableFuture<Long> last = null;
            while (last == null || !last.isCompletedExceptionally())
            {
                assertTrue(futures.size() <= SluiceClient.DEFAULT_MAX_PENDING_ASYNC,
                    futures.size() + " sends accepted while their callbacks had not run");
                assertTrue(System.nanoTime() < deadline, "never refused");
                last = publication.sendAsync(payload, 0, PAYLOAD);
                if (!last.isCompletedExceptionally())
                {
                    futures.add(last);
                }
                else
                {
                    // Refused: wait for the ACKs to prove the bound holds although the relay acknowledged them.
                    while (publication.ackedSequence() < futures.size() - 1)
                    {
                        assertTrue(System.nanoTime() < deadline, "acked " + publication.ackedSequence());
                        LockSupport.parkNanos(100_000);
                    }
                    last = publication.sendAsync(payload, 0, PAYLOAD);
                    assertTrue(last.isCompletedExceptionally(), "accepted once acked but before the callbacks ran");
                }
            }
            assertEquals(SluiceClient.DEFAULT_MAX_PENDING_ASYNC, futures.size());
            // Once the callbacks run, the sends are no longer pending (the last ACK's task may still be on its way).
            while (!futures.stream().allMatch(CompletableFuture::isDone))
            {
                assertTrue(System.nanoTime() < deadline, "callbacks never handed over");
                final Runnable task = held.poll(100, TimeUnit.MILLISECONDS);
                if (task != null)
                {
                    task.run();
                }
            }
            assertFalse(publication.sendAsync(payload, 0, PAYLOAD).isCompletedExceptionally());
        }
    }

    private static void awaitQuietly(final CountDownLatch latch)
    {
        try
        {
            latch.await(60, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
