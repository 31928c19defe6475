package io.sluice.tools;

import io.sluice.client.SluiceClient;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.function.BooleanSupplier;

/**
 * What the client that {@link EventLoopOutlet}, {@link EventLoopIntake} and {@link Reconnector} use needs of the
 * command's thread. A client with event loop threads of its own needs nothing: they write, read and heartbeat. A
 * client made {@link io.sluice.client.ClientConfig#withInvoker() withInvoker()} ({@code --invoker}) has no thread: its
 * connections' I/O runs only in its {@link SluiceClient#doWork()}, on the command's thread, which is then its duty
 * cycle; a wait on that thread that does not run it leaves the connection unread, unwritten and silent.
 */
final class ClientDutyCycle implements DutyCycle
{
    // Passes of the loop a flush runs at most: a relay that keeps sending (ACKs at full rate) keeps every pass busy,
    // and the duty cycles of the wait that follows carry on.
    private static final int MAX_FLUSH_PASSES = 16;

    // Null for a client with event loop threads.
    private final SluiceClient invoked;

    private ClientDutyCycle(final SluiceClient invoked)
    {
        this.invoked = invoked;
    }

    /**
     * @param client the command's client.
     * @return its duty cycle: {@code client.doWork()} in the invoker mode, else nothing.
     */
    static ClientDutyCycle of(final SluiceClient client)
    {
        return new ClientDutyCycle(client.config().isInvoked() ? client : null);
    }

    /**
     * Runs the client's loop until a pass finds nothing to do: what was committed has been handed to the socket (or
     * the socket is full until the relay reads).
     */
    @Override
    public void flush()
    {
        if (invoked != null)
        {
            for (int i = 0; i < MAX_FLUSH_PASSES; i++)
            {
                if (invoked.doWork() == 0)
                {
                    return;
                }
            }
        }
    }

    @Override
    public int doWork()
    {
        return invoked == null ? 0 : invoked.doWork();
    }

    /**
     * Runs the client's loop until {@code done} or {@code timeoutNanos} passed, backing off while a pass finds nothing
     * to do; returns at once for a client with event loop threads, which need no one to wait for them.
     *
     * @param done whether the wait is over.
     * @param timeoutNanos the longest it runs.
     */
    void runUntil(final BooleanSupplier done, final long timeoutNanos)
    {
        if (invoked == null)
        {
            return;
        }
        final long deadline = System.nanoTime() + timeoutNanos;
        final IdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 100_000);
        while (!done.getAsBoolean() && System.nanoTime() - deadline < 0)
        {
            idle.idle(invoked.doWork());
        }
    }
}
