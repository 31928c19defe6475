package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.SluiceClient;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A thread that owns an invoked client: it creates the client, opens what the test asks for on it, and runs
 * {@code doWork} with the test's extra work (a poll, say) in its duty cycle until paused or closed; it closes the
 * client itself. A failure on it is rethrown by {@link #close()}.
 */
final class InvokerThread implements AutoCloseable
{
    /** Opens the test's endpoints on the owning thread; returns the extra work of each duty cycle. */
    @FunctionalInterface
    interface Opener
    {
        Work open(SluiceClient client) throws Exception;
    }

    /** Work beside doWork in each duty cycle; returns what it did. */
    @FunctionalInterface
    interface Work
    {
        int doWork() throws Exception;
    }

    private final ClientConfig config;
    private final CompletableFuture<Opener> opener = new CompletableFuture<>();
    private final CompletableFuture<Void> opened = new CompletableFuture<>();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final AtomicLong polled = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean paused;

    InvokerThread(final ClientConfig config)
    {
        this.config = config;
        this.thread = new Thread(this::run, "invoker");
        this.thread.start();
    }

    /**
     * Opens endpoints on the owning thread; returns once they are open.
     */
    void open(final Opener what) throws Exception
    {
        opener.complete(what);
        opened.get(60, TimeUnit.SECONDS);
    }

    /** @return what the extra work reported, summed. */
    long polled()
    {
        return polled.get();
    }

    /** Stops or resumes the duty cycle: a paused thread calls nothing on its client. */
    void paused(final boolean paused)
    {
        this.paused = paused;
    }

    private void run()
    {
        try
        {
            runClient();
            finished.complete(null);
        }
        catch (final Throwable ex)
        {
            opened.completeExceptionally(ex);
            finished.completeExceptionally(ex);
        }
    }

    // The client is closed on its owner, before the thread counts as finished.
    private void runClient() throws Exception
    {
        try (SluiceClient client = new SluiceClient(config))
        {
            final Work work = opener.get(60, TimeUnit.SECONDS).open(client);
            opened.complete(null);
            final IdleStrategy idle = new BackoffIdleStrategy();
            while (running)
            {
                if (paused)
                {
                    idle.idle(0);
                    continue;
                }
                final int extra = work.doWork();
                polled.addAndGet(extra);
                idle.idle(client.doWork() + extra);
            }
        }
    }

    @Override
    public void close() throws Exception
    {
        running = false;
        opener.complete(client -> () -> 0);
        thread.join(TimeUnit.SECONDS.toMillis(60));
        finished.get(1, TimeUnit.SECONDS);
    }
}
