package io.sluice.server;

import io.sluice.client.Publication;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes counters {@code 0..count-1} (the counter in the payload's first eight bytes, native order) on a thread of
 * its own, message {@code i} due at {@code start + i / rate}: behind schedule it sends at once, ahead of it it parks,
 * so a park's overshoot becomes a short burst and the average rate holds. Each send waits up to a minute for room.
 */
final class PacedPublisher implements AutoCloseable
{
    private final Thread thread;
    private volatile long sent;
    private volatile String failure;
    private volatile boolean running = true;

    PacedPublisher(final Publication publication, final long count, final double ratePerSecond, final int payloadLength)
    {
        final double nanosPerMessage = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
        thread = new Thread(() ->
        {
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(payloadLength));
            final long start = System.nanoTime();
            for (long i = 0; i < count && running; i++)
            {
                final long wait = start + (long)(i * nanosPerMessage) - System.nanoTime();
                if (wait > 0)
                {
                    LockSupport.parkNanos(wait);
                }
                payload.putLong(0, i);
                final long result = publication.send(payload, 0, payloadLength, Duration.ofMinutes(1));
                if (result < 0)
                {
                    failure = "send of " + i + " returned " + result + ": " + publication.closeReason();
                    return;
                }
                sent = i + 1;
            }
        }, "paced-publisher");
        thread.start();
    }

    /** @return messages sent so far. */
    long sent()
    {
        return sent;
    }

    /** @return why sending stopped early, or null. */
    String failure()
    {
        return failure;
    }

    /**
     * @return whether it sent everything (or stopped early) within the timeout.
     */
    boolean await(final long timeoutMillis) throws InterruptedException
    {
        thread.join(timeoutMillis);
        return !thread.isAlive();
    }

    @Override
    public void close() throws InterruptedException
    {
        running = false;
        thread.join(TimeUnit.MINUTES.toMillis(2));
    }
}
