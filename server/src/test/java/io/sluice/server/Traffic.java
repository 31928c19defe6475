package io.sluice.server;

import io.sluice.client.Publication;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test traffic: numbered messages (each payload starts with its 0-based number, which {@link OrderCheckingHandler}
 * checks against the sequence) offered until accepted, and waiting for the relay's acknowledgement.
 */
public final class Traffic
{
    private Traffic()
    {
    }

    /**
     * Offers messages {@code 0 .. count-1}, retrying each while back-pressured, so none is skipped; fails when the
     * publication's connection is lost.
     */
    public static void publishNumbered(final Publication publication, final long count, final int payloadLength)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(payloadLength));
        for (long i = 0; i < count; i++)
        {
            payload.putLong(0, i);
            long result;
            while ((result = publication.offer(payload, 0, payloadLength)) < 0)
            {
                assertTrue(result == Publication.BACK_PRESSURED, "offer of message " + i + " returned " + result +
                    ": " + publication.closeReason());
                LockSupport.parkNanos(10_000);
            }
        }
    }

    /**
     * Waits (60 s at most) until the relay acknowledged {@code sequence}: every message up to it is in the relay's
     * lanes.
     */
    public static void awaitAcked(final Publication publication, final long sequence)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (publication.ackedSequence() < sequence)
        {
            assertTrue(System.nanoTime() < deadline, "relay acknowledged only " + publication.ackedSequence());
            LockSupport.parkNanos(100_000);
        }
    }
}
