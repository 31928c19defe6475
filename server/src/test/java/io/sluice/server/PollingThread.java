package io.sluice.server;

import io.sluice.client.MessageHandler;
import io.sluice.client.Subscription;

import java.util.concurrent.locks.LockSupport;

/**
 * Polls a subscription into a handler on a thread of its own until closed.
 */
final class PollingThread implements AutoCloseable
{
    private final Thread thread;
    private volatile boolean running = true;

    PollingThread(final Subscription subscription, final MessageHandler handler)
    {
        thread = new Thread(() ->
        {
            while (running)
            {
                if (subscription.poll(handler, 1_000) == 0)
                {
                    LockSupport.parkNanos(50_000);
                }
            }
        }, "poller");
        thread.start();
    }

    @Override
    public void close() throws InterruptedException
    {
        running = false;
        thread.join();
    }
}
