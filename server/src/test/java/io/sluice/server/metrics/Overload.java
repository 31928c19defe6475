package io.sluice.server.metrics;

import io.sluice.client.Publication;
import io.sluice.client.Subscription;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Producers and consumers on threads of their own until closed, for tests that need lanes to fill and hold their
 * producers: a producer offering as fast as the relay takes 1 KiB messages (or one per pause), a consumer taking at
 * most a given number every 2 ms.
 */
final class Overload implements AutoCloseable
{
    static final int PAYLOAD = 1024;

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();

    /** Offers as fast as accepted, or one message per {@code pauseMillis} when above 0. */
    Overload produce(final Publication publication, final long pauseMillis)
    {
        return start(() ->
        {
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
            while (running.get())
            {
                final boolean accepted = publication.offer(payload, 0, PAYLOAD) >= 0;
                if (accepted)
                {
                    sent.incrementAndGet();
                }
                if (!accepted || pauseMillis > 0)
                {
                    // Back off rather than spin, so that the consumer stays the slow one on a small machine.
                    LockSupport.parkNanos(pauseMillis > 0 ? TimeUnit.MILLISECONDS.toNanos(pauseMillis)
                        : TimeUnit.MICROSECONDS.toNanos(50));
                }
            }
        }, "producer");
    }

    /** Takes at most {@code perPoll} messages every 2 ms: 20 is a fraction of what a fast producer offers. */
    Overload consume(final Subscription subscription, final int perPoll)
    {
        return start(() ->
        {
            while (running.get())
            {
                received.addAndGet(subscription.poll((buffer, offset, length, header) -> {}, perPoll));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
        }, "consumer");
    }

    /** @return messages the producers had accepted. */
    long sent()
    {
        return sent.get();
    }

    /** @return messages the consumers took. */
    long received()
    {
        return received.get();
    }

    private Overload start(final Runnable task, final String role)
    {
        final Thread thread = new Thread(task, role + "-" + threads.size());
        threads.add(thread);
        thread.start();
        return this;
    }

    /** Stops every thread and waits for it. */
    @Override
    public void close() throws InterruptedException
    {
        running.set(false);
        for (final Thread thread : threads)
        {
            thread.join();
        }
    }
}
