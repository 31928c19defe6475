package io.sluice.client;

import io.netty.channel.EventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ManualIoEventLoop;
import io.netty.util.concurrent.Future;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The event loop of a client in the invoker mode ({@link ClientConfig#withInvoker()}): it has no thread of its own.
 * The first thread to use the client owns it for good; that thread does the loop's I/O and tasks in
 * {@link SluiceClient#doWork()}, and runs the loop itself, rather than blocking, whenever it waits for the relay
 * (opening, resuming, closing). Another thread that waits for the relay waits for the owner's {@code doWork}.
 */
final class InvokedEventLoop extends ManualIoEventLoop
{
    // A wait runs the loop in slices, so that a condition set by another thread is seen within one.
    private static final long MAX_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final AtomicReference<Thread> owner = new AtomicReference<>();
    // Owner only: the loop is running, so a message handler that calls back into the client must not run it again.
    private boolean running;

    InvokedEventLoop(final IoHandlerFactory factory)
    {
        super(null, null, factory);
    }

    /**
     * Makes the calling thread the owner when the loop has none yet.
     */
    void claim()
    {
        final Thread current = Thread.currentThread();
        if (owner.get() == null && owner.compareAndSet(null, current))
        {
            setOwningThread(current);
            // Sets the transport's I/O handler up before the first channel registers with it.
            runNow();
        }
    }

    /**
     * @return the I/O and tasks done: 0 when there was nothing to do.
     * @throws IllegalStateException on another thread than the owner, or from a message handler, which this runs.
     */
    int doWork()
    {
        claim();
        if (!inEventLoop())
        {
            throw new IllegalStateException("doWork on " + Thread.currentThread().getName() +
                ": this client belongs to " + owner.get().getName() + ", the first thread that used it");
        }
        if (running)
        {
            throw new IllegalStateException("doWork from a message handler, which doWork itself runs");
        }
        return runMarked(-1);
    }

    /**
     * @return whether the calling thread may run {@code loop} to wait for something: {@code loop} is invoked, this
     * thread owns it, and is not running it already.
     */
    static boolean runsHere(final EventLoop loop)
    {
        return loop instanceof InvokedEventLoop invoked && invoked.inEventLoop() && !invoked.running;
    }

    /**
     * Runs {@code loop} on the calling thread until {@code done} or the deadline, if this thread
     * {@link #runsHere}; else returns at once and leaves the wait to the caller.
     *
     * @param deadlineNanos in {@link System#nanoTime()}.
     */
    static void runUntil(final EventLoop loop, final BooleanSupplier done, final long deadlineNanos)
    {
        if (!runsHere(loop))
        {
            return;
        }
        final InvokedEventLoop invoked = (InvokedEventLoop)loop;
        long left;
        while (!done.getAsBoolean() && (left = deadlineNanos - System.nanoTime()) > 0)
        {
            invoked.runMarked(Math.min(left, MAX_SLICE_NANOS));
        }
    }

    /**
     * Runs {@code loop} once on the calling thread, waiting up to {@code waitNanos} for I/O when it has nothing to do,
     * if this thread {@link #runsHere}.
     *
     * @return whether it ran; if not, the caller waits its own way.
     */
    static boolean runOnce(final EventLoop loop, final long waitNanos)
    {
        if (!runsHere(loop))
        {
            return false;
        }
        ((InvokedEventLoop)loop).runMarked(waitNanos);
        return true;
    }

    // One pass of the loop, waiting up to waitNanos for I/O (-1: not at all), marked running so that a handler it
    // calls cannot run it again.
    private int runMarked(final long waitNanos)
    {
        running = true;
        try
        {
            return run(waitNanos);
        }
        finally
        {
            running = false;
        }
    }

    /**
     * Waits up to {@code timeoutMs} for {@code future}, which completes on {@code loop}: by running the loop when this
     * thread {@link #runsHere}, else by blocking. Not on the loop's own thread otherwise, which the wait would block.
     *
     * @return whether it completed.
     */
    static boolean await(final EventLoop loop, final Future<?> future, final long timeoutMs)
    {
        if (runsHere(loop))
        {
            runUntil(loop, future::isDone, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs));
            return future.isDone();
        }
        return future.awaitUninterruptibly(timeoutMs);
    }
}
