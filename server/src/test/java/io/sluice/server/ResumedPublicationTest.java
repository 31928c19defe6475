package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.server.config.RelayConfig;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SluiceClient#resume(ExclusivePublication)} over a real relay, the publisher's connection going through a
 * proxy that cuts it mid-stream: the resumed publication sends again what the relay had not accepted and goes on, and
 * the subscriber sees every message once, in order, from one source, each message's index its sequence.
 */
class ResumedPublicationTest
{
    private static final String STREAM = "resume";
    private static final int PAYLOAD = 16;
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** The publishing side: offers indexes in order, resuming whenever the connection is lost. */
    private static final class Publisher
    {
        private final SluiceClient client;
        private final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        private ExclusivePublication publication;
        private long next;
        private int resumes;
        private long resent;

        Publisher(final SluiceClient client, final ExclusivePublication publication)
        {
            this.client = client;
            this.publication = publication;
        }

        // Offers the next index once; true when accepted.
        boolean offerNext() throws SluiceException
        {
            payload.putLong(0, next, ByteOrder.BIG_ENDIAN);
            final long result = publication.offer(payload, 0, PAYLOAD);
            if (result > 0)
            {
                next++;
                return true;
            }
            if (result == ExclusivePublication.NOT_CONNECTED)
            {
                resume();
                return false;
            }
            assertEquals(ExclusivePublication.BACK_PRESSURED, result, "offer of index " + next);
            return false;
        }

        void resume() throws SluiceException
        {
            final ExclusivePublication lost = publication;
            publication = client.resume(lost);
            resumes++;
            assertEquals(ExclusivePublication.CLOSED, lost.offer(payload, 0, PAYLOAD), "the lost one is replaced");
            assertEquals(lost.sourceId(), publication.sourceId(), "one source across connections");
            assertEquals(lost.epoch() + 1, publication.epoch());
            assertTrue(publication.firstSequence() <= next, publication.firstSequence() + " after " + next);
            resent += next - publication.firstSequence();
        }

        void offerUpTo(final long count) throws SluiceException
        {
            final long deadline = System.nanoTime() + WAIT_NANOS;
            while (next < count)
            {
                if (!offerNext())
                {
                    assertTrue(System.nanoTime() < deadline, "index " + next + " not accepted");
                    LockSupport.parkNanos(10_000);
                }
            }
        }
    }

    @Test
    void aConnectionCutMidStreamIsResumedAndTheSubscriberSeesEveryMessageOnceInOrder() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             CuttableProxy proxy = new CuttableProxy(relay.port());
             SluiceClient subscriber = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", proxy.port())))
        {
            final Subscription subscription = subscriber.subscribe(STREAM);
            final OneSourceCollector collector = new OneSourceCollector();
            final Publisher publisher = new Publisher(client, client.publishExclusive(STREAM, 9, 0));
            try (PollingThread poller = new PollingThread(subscription, collector))
            {
                for (int cut = 1; cut <= 3; cut++)
                {
                    publisher.offerUpTo(cut * 50_000L);
                    proxy.cutAll();
                }
                publisher.offerUpTo(200_000);
                await(collector, 200_000);
            }
            assertNull(collector.fault);
            assertEquals(200_000, collector.expected);
            assertTrue(publisher.resumes >= 3, publisher.resumes + " resumes");
            assertTrue(proxy.accepted() >= 4, proxy.accepted() + " connections");
            assertTrue(publisher.resent >= 0, publisher.resent + " resent");
        }
    }

    @Test
    void aPublicationWithAFullLogResumedBeforeTheRelaySawTheCutLosesAndRepeatsNothing() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             CuttableProxy proxy = new CuttableProxy(relay.port());
             SluiceClient subscriber = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", proxy.port())))
        {
            final Subscription subscription = subscriber.subscribe(STREAM);
            final OneSourceCollector collector = new OneSourceCollector();
            final Publisher publisher = new Publisher(client, client.publishExclusive(STREAM, 11, 4));
            // Nobody polls yet: offers go on until the log is full of frames the relay has not acknowledged.
            final long deadline = System.nanoTime() + WAIT_NANOS;
            while (publisher.offerNext())
            {
                assertTrue(System.nanoTime() < deadline, publisher.next + " accepted, never back-pressured");
            }
            final ExclusivePublication held = publisher.publication;
            assertTrue(held.bufferedBytes() <= held.logCapacity(), "bounded by the log");
            proxy.cutAll();
            // Resumed at once: the relay may not have seen the cut yet, and the higher epoch takes the producer over.
            publisher.resume();
            assertEquals(5, publisher.publication.epoch());
            try (PollingThread poller = new PollingThread(subscription, collector))
            {
                publisher.offerUpTo(publisher.next + 100_000);
                await(collector, publisher.next);
            }
            assertNull(collector.fault);
            assertEquals(publisher.next, collector.expected);
        }
    }

    @Test
    void aResumeTheRelayRefusesLeavesThePublicationAsItWas() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Publisher publisher = new Publisher(client, client.publishExclusive(STREAM, 13, 0));
            publisher.offerUpTo(1_000);
            final ExclusivePublication fenced = publisher.publication;
            try (ExclusivePublication taker = client.publishExclusive(STREAM, 13, 10))
            {
                final long deadline = System.nanoTime() + WAIT_NANOS;
                while (fenced.isConnected())
                {
                    assertTrue(System.nanoTime() < deadline, "still connected after the takeover");
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                assertTrue(fenced.closeReason().contains("PRODUCER_FENCED"), fenced.closeReason());
                final long kept = fenced.bufferedBytes();
                final SluiceException refused = assertThrows(SluiceException.class, () -> client.resume(fenced));
                assertEquals(ErrorCode.PRODUCER_FENCED, refused.code());
                assertFalse(fenced.isClosed(), "not replaced");
                assertEquals(kept, fenced.bufferedBytes(), "what it kept, it keeps");
                assertEquals(ExclusivePublication.NOT_CONNECTED, fenced.offer(publisher.payload, 0, PAYLOAD));
                assertTrue(taker.firstSequence() <= 1_000, "the taker continues after what the relay accepted");
            }
            assertThrows(IllegalArgumentException.class, () -> client.resume(client.publishExclusive("other")));
        }
    }

    private static void await(final OneSourceCollector collector, final long target)
    {
        final long deadline = System.nanoTime() + WAIT_NANOS;
        while (collector.received < target)
        {
            assertNull(collector.fault);
            assertTrue(System.nanoTime() < deadline, "the subscriber has " + collector.received + " of " + target);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
