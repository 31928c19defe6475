package io.sluice.server;

import io.sluice.client.CallbackSubscription;
import io.sluice.client.ClientConfig;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.server.config.RelayConfig;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SluiceClient#resume(ExclusivePublication)} on the owner of an invoked client, whose connection goes through a
 * proxy that cuts it mid-stream: the owner's own doWork finds the connection lost, and the resume runs the client's
 * loop itself while it waits for the lost connection's log and the new WELCOME. The subscriber sees every message
 * once, in order, from one source, as {@link ResumedPublicationTest} asks of the threaded client.
 */
class InvokedClientResumeTest
{
    private static final String STREAM = "invoked-resume";
    private static final int PAYLOAD = 16;
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** The owner's duty cycle: offers indexes in order and calls doWork, resuming whenever the connection is lost. */
    private static final class Owner
    {
        private final SluiceClient client;
        private final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        private final IdleStrategy idle = new BackoffIdleStrategy();
        private ExclusivePublication publication;
        private long next;
        private int resumes;

        Owner(final SluiceClient client, final ExclusivePublication publication)
        {
            this.client = client;
            this.publication = publication;
        }

        void offerUpTo(final long count) throws SluiceException
        {
            final long deadline = System.nanoTime() + WAIT_NANOS;
            while (next < count)
            {
                payload.putLong(0, next, ByteOrder.BIG_ENDIAN);
                final long result = publication.offer(payload, 0, PAYLOAD);
                if (result > 0)
                {
                    next++;
                    idle.reset();
                    if ((next & 255) == 0)
                    {
                        client.doWork();
                    }
                    continue;
                }
                assertTrue(System.nanoTime() < deadline, "index " + next + " not accepted");
                if (result == ExclusivePublication.NOT_CONNECTED)
                {
                    resume();
                    continue;
                }
                assertEquals(ExclusivePublication.BACK_PRESSURED, result, "offer of index " + next);
                idle.idle(client.doWork());
            }
        }

        private void resume() throws SluiceException
        {
            final ExclusivePublication lost = publication;
            publication = client.resume(lost);
            resumes++;
            assertEquals(ExclusivePublication.CLOSED, lost.offer(payload, 0, PAYLOAD), "the lost one is replaced");
            assertEquals(lost.sourceId(), publication.sourceId(), "one source across connections");
            assertEquals(lost.epoch() + 1, publication.epoch());
            assertTrue(publication.firstSequence() <= next, publication.firstSequence() + " after " + next);
        }

        // The owner's doWork sends what the log still holds while the subscriber catches up.
        void awaitReceived(final OneSourceCollector collector, final long target)
        {
            final long deadline = System.nanoTime() + WAIT_NANOS;
            while (collector.received < target)
            {
                assertNull(collector.fault);
                assertTrue(System.nanoTime() < deadline, "the subscriber has " + collector.received + " of " + target);
                idle.idle(client.doWork());
            }
        }
    }

    @Test
    void aConnectionCutMidStreamIsResumedOnTheOwnerAndTheSubscriberSeesEveryMessageOnceInOrder() throws Exception
    {
        final long count = 80_000;
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             CuttableProxy proxy = new CuttableProxy(relay.port());
             SluiceClient subscriber = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", proxy.port()).withInvoker()))
        {
            final OneSourceCollector collector = new OneSourceCollector();
            final CallbackSubscription subscription = subscriber.subscribe(STREAM, collector);
            final Owner owner = new Owner(client, client.publishExclusive(STREAM, 21, 0));
            for (int cut = 1; cut <= 3; cut++)
            {
                owner.offerUpTo(cut * 20_000L);
                proxy.cutAll();
            }
            owner.offerUpTo(count);
            owner.awaitReceived(collector, count);
            subscription.close();
            assertNull(collector.fault);
            assertEquals(count, collector.expected);
            assertEquals(count, collector.received, "each message once");
            assertTrue(owner.resumes >= 3, owner.resumes + " resumes");
            assertTrue(proxy.accepted() >= 4, proxy.accepted() + " connections");
        }
    }
}
