package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.Subscription;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A publisher and a subscriber on one stream, connected before a test does something to the relay, that show the
 * relay still serves them: each {@link #assertFlows} sends more numbered messages and waits until every one arrived,
 * in order, without a gap, on connections that never dropped.
 */
final class HealthyPair implements AutoCloseable
{
    private static final int PAYLOAD = 64;

    private final SluiceClient client;
    private final Subscription subscription;
    private final Publication publication;
    private final OrderCheckingHandler received = new OrderCheckingHandler();
    private final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
    private long published;

    HealthyPair(final ClientConfig config, final String stream) throws SluiceException
    {
        client = new SluiceClient(config);
        subscription = client.subscribe(stream);
        publication = client.publish(stream);
    }

    /**
     * Publishes {@code count} more messages and waits (30 s at most) until they all arrived.
     */
    void assertFlows(final int count)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int i = 0; i < count; i++)
        {
            payload.putLong(0, published);
            long result;
            while ((result = publication.offer(payload, 0, PAYLOAD)) < 0)
            {
                if (result != Publication.BACK_PRESSURED)
                {
                    fail("healthy publication: offer returned " + result + ": " + publication.closeReason());
                }
                subscription.poll(received, 1000);
                assertTrue(System.nanoTime() < deadline, "healthy publication back-pressured for 30 s");
                LockSupport.parkNanos(10_000);
            }
            published++;
        }
        while (received.received < published)
        {
            if (subscription.poll(received, 1000) == 0)
            {
                assertTrue(subscription.isConnected(), "healthy subscription dropped: " + subscription.closeReason());
                assertTrue(System.nanoTime() < deadline, "healthy pair: " + received.received + " of " + published);
                LockSupport.parkNanos(100_000);
            }
        }
        assertEquals(published, received.received, received.toString());
        assertTrue(received.clean(), received.toString());
        assertEquals(0, received.gaps, "gaps on the healthy pair");
        assertTrue(publication.isConnected(), "healthy publication dropped: " + publication.closeReason());
    }

    @Override
    public void close()
    {
        publication.close();
        subscription.close();
        client.close();
    }
}
