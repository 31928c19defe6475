package io.sluice.server;

import io.sluice.client.BackPressuredException;
import io.sluice.client.ClientConfig;
import io.sluice.client.MessageHandler;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.Header;
import io.sluice.server.config.RelayConfig;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SluiceClient#resume(Publication)} over a real relay: several threads offer to one identified publication
 * whose connection goes through a proxy that cuts it mid-stream three times, and each thread that finds it lost
 * resumes it. The subscriber sees one source, its sequences dense, and each thread's messages once each, in the
 * thread's order.
 */
class ResumedMultiThreadPublicationTest
{
    private static final String STREAM = "resume-shared";
    private static final int THREADS = 4;
    private static final long PER_THREAD = 50_000;
    private static final int PAYLOAD = 16;
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    /**
     * Checks each message as it arrives: one source, sequences dense from the first, and per publishing thread (the
     * payload's first 4 bytes) indexes (its next 8) from 0 up by one. The first fault is kept; a GAP is one.
     */
    private static final class PerThreadCollector implements MessageHandler
    {
        private final long[] nextIndex = new long[THREADS];
        private int source = -1;
        private long expectedSequence = -1;
        volatile long received;
        volatile String fault;

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            if (source == -1)
            {
                source = header.sourceId();
                expectedSequence = header.sequence();
            }
            final int thread = buffer.getInt(offset, ByteOrder.BIG_ENDIAN);
            final long index = buffer.getLong(offset + 4, ByteOrder.BIG_ENDIAN);
            if (fault == null && (header.sourceId() != source || header.sequence() != expectedSequence ||
                thread < 0 || thread >= THREADS || index != nextIndex[thread]))
            {
                fault = "message " + received + ": source " + header.sourceId() + " (first " + source +
                    "), sequence " + header.sequence() + " (expected " + expectedSequence + "), thread " + thread +
                    " index " + index;
            }
            if (thread >= 0 && thread < THREADS)
            {
                nextIndex[thread] = index + 1;
            }
            expectedSequence = header.sequence() + 1;
            received = received + 1;
        }

        @Override
        public void onGap(final Header header)
        {
            fault = "a GAP of source " + header.sourceId() + ": " + header.gapFromSequence() + ".." +
                header.gapToSequence();
        }
    }

    /**
     * One publishing thread: offers its indexes in order (or sends them with sendAsync, keeping the futures), resuming
     * the publication it holds when it is lost.
     */
    private static final class Producer implements Runnable
    {
        private final SluiceClient client;
        private final int id;
        private final AtomicLong accepted;
        private final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        // Null for a thread that offers.
        private final List<CompletableFuture<Long>> futures;
        private Publication publication;
        volatile Throwable failure;
        volatile int resumes;

        Producer(final SluiceClient client, final Publication publication, final int id, final AtomicLong accepted,
            final boolean async)
        {
            this.client = client;
            this.publication = publication;
            this.id = id;
            this.accepted = accepted;
            this.futures = async ? new ArrayList<>() : null;
        }

        @Override
        public void run()
        {
            try
            {
                offerAll();
            }
            catch (final Throwable ex)
            {
                failure = ex;
            }
        }

        private void offerAll() throws SluiceException
        {
            final long deadline = System.nanoTime() + WAIT_NANOS;
            long next = 0;
            while (next < PER_THREAD)
            {
                payload.putInt(0, id, ByteOrder.BIG_ENDIAN);
                payload.putLong(4, next, ByteOrder.BIG_ENDIAN);
                final long result = futures == null ? publication.offer(payload, 0, PAYLOAD) : sendAsync();
                if (result >= 0)
                {
                    next++;
                    accepted.incrementAndGet();
                    continue;
                }
                if (result == Publication.NOT_CONNECTED || result == Publication.CLOSED)
                {
                    final Publication lost = publication;
                    publication = client.resume(lost);
                    assertEquals(Publication.CLOSED, lost.offer(payload, 0, PAYLOAD), "the lost one is replaced");
                    assertEquals(lost.sourceId(), publication.sourceId(), "one source across connections");
                    resumes++;
                    continue;
                }
                assertEquals(Publication.BACK_PRESSURED, result, "offer of index " + next);
                assertTrue(System.nanoTime() < deadline, "thread " + id + ": index " + next + " not accepted");
                LockSupport.parkNanos(10_000);
            }
        }

        // As offer answers: a send that failed at once was not accepted.
        private long sendAsync()
        {
            final CompletableFuture<Long> future = publication.sendAsync(payload, 0, PAYLOAD);
            if (!future.isCompletedExceptionally())
            {
                futures.add(future);
                return 0;
            }
            if (!publication.isConnected())
            {
                return publication.isClosed() ? Publication.CLOSED : Publication.NOT_CONNECTED;
            }
            final Throwable cause = future.handle((sequence, ex) -> ex).join();
            assertTrue(cause instanceof BackPressuredException, String.valueOf(cause));
            return Publication.BACK_PRESSURED;
        }
    }

    @Test
    void threadsResumingAPublicationCutThreeTimesLoseAndRepeatNothing() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             CuttableProxy proxy = new CuttableProxy(relay.port());
             SluiceClient subscriber = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", proxy.port())))
        {
            final Subscription subscription = subscriber.subscribe(STREAM);
            final PerThreadCollector collector = new PerThreadCollector();
            final Publication first = client.publish(STREAM, 21, 0);
            final AtomicLong accepted = new AtomicLong();
            final List<Producer> producers = new ArrayList<>();
            final List<Thread> threads = new ArrayList<>();
            try (PollingThread poller = new PollingThread(subscription, collector))
            {
                for (int i = 0; i < THREADS; i++)
                {
                    final Producer producer = new Producer(client, first, i, accepted, i == 0);
                    producers.add(producer);
                    final Thread thread = new Thread(producer, "producer-" + i);
                    threads.add(thread);
                    thread.start();
                }
                for (int cut = 1; cut <= 3; cut++)
                {
                    awaitCount(accepted::get, cut * THREADS * PER_THREAD / 4, "accepted", null);
                    proxy.cutAll();
                }
                for (final Thread thread : threads)
                {
                    thread.join(TimeUnit.NANOSECONDS.toMillis(WAIT_NANOS));
                    assertFalse(thread.isAlive(), thread.getName() + " still offering");
                }
                for (final Producer producer : producers)
                {
                    assertNull(producer.failure, String.valueOf(producer.failure));
                }
                awaitCount(() -> collector.received, THREADS * PER_THREAD, "received", collector);
            }
            assertNull(collector.fault);
            assertEquals(THREADS * PER_THREAD, collector.received);
            for (int i = 0; i < THREADS; i++)
            {
                assertEquals(PER_THREAD, collector.nextIndex[i], "thread " + i);
            }
            // Each async send accepted completes once the relay acknowledged it, with the sequence it was delivered at.
            long previous = -1;
            for (final CompletableFuture<Long> future : producers.get(0).futures)
            {
                final long sequence = future.get(60, TimeUnit.SECONDS);
                assertTrue(sequence > previous, sequence + " after " + previous);
                previous = sequence;
            }
            assertEquals(PER_THREAD, producers.get(0).futures.size());
            assertEquals(4, proxy.accepted(), "one connection for each resume, however many threads asked");
            final Publication last = client.resume(first);
            assertEquals(3, last.epoch(), "resuming a replaced publication returns the last one, connected");
            assertTrue(last.isConnected());
            assertTrue(producers.stream().mapToInt(p -> p.resumes).sum() >= 3);
        }
    }

    @Test
    void aResumeTheRelayRefusesLeavesThePublicationAsItWas() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Publication fenced = client.publish(STREAM, 23, 0);
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
            for (int i = 0; i < 1_000; i++)
            {
                assertTrue(fenced.send(payload, 0, PAYLOAD, java.time.Duration.ofSeconds(10)) >= 0);
            }
            try (Publication taker = client.publish(STREAM, 23, 10))
            {
                awaitCount(() -> fenced.isConnected() ? 0 : 1, 1, "fenced", null);
                assertTrue(fenced.closeReason().contains("PRODUCER_FENCED"), fenced.closeReason());
                final long kept = fenced.bufferedBytes();
                final SluiceException refused = assertThrows(SluiceException.class, () -> client.resume(fenced));
                assertEquals(ErrorCode.PRODUCER_FENCED, refused.code());
                assertFalse(fenced.isClosed(), "not replaced");
                assertEquals(kept, fenced.bufferedBytes(), "what it kept, it keeps");
                assertEquals(Publication.NOT_CONNECTED, fenced.offer(payload, 0, PAYLOAD));
                assertTrue(taker.firstSequence() <= 1_000, "the taker continues after what the relay accepted");
            }
            final Publication anonymous = client.publish("other");
            assertThrows(IllegalArgumentException.class, () -> client.resume(anonymous));
        }
    }

    private static void awaitCount(final java.util.function.LongSupplier count, final long target, final String what,
        final PerThreadCollector collector)
    {
        final long deadline = System.nanoTime() + WAIT_NANOS;
        while (count.getAsLong() < target)
        {
            assertNull(collector == null ? null : collector.fault);
            assertTrue(System.nanoTime() < deadline, what + ": " + count.getAsLong() + " of " + target);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
