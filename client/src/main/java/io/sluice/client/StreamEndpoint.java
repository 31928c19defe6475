package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.util.EpochClock;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * What every publication and subscription is: one connection to a relay for one stream, which is up or not, closed by
 * the application or not, and knows why it ended. Only the client's own classes extend it.
 */
public abstract class StreamEndpoint implements AutoCloseable
{
    private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    final String stream;
    final Channel channel;
    final EventLoop eventLoop;
    // Told when the application closes this, so the client forgets it.
    final Consumer<AutoCloseable> onClose;
    // The goodbye's bound: the relay did not close within CLOSE_WAIT_NANOS of it.
    private final Runnable closeAnyway;
    volatile boolean connected;
    volatile boolean closed;
    // When the goodbye begun by beginClose has had its time: the application's thread only.
    private long closeDeadline;

    StreamEndpoint(final String stream, final Channel channel, final Consumer<AutoCloseable> onClose)
    {
        this.stream = stream;
        this.channel = channel;
        this.eventLoop = channel.eventLoop();
        this.onClose = onClose;
        this.closeAnyway = channel::close;
    }

    /**
     * @return the connection's side of the handshake and of what follows.
     */
    abstract ConnectionHandler handler();

    /**
     * @return the stream's name.
     */
    public String stream()
    {
        return stream;
    }

    /**
     * @return whether the connection is up.
     */
    public boolean isConnected()
    {
        return connected;
    }

    /**
     * @return whether {@link #close()} was called.
     */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * @return why the connection ended, or null while it is up.
     */
    public String closeReason()
    {
        return connected ? null : handler().closeReason;
    }

    /**
     * Closes the connection after an orderly goodbye; waits up to 5 seconds for it, then closes it regardless
     * (called on the connection's event loop it does not wait; on the thread of an invoked client it runs the loop
     * while it waits). What each kind does with what it holds:
     * <ul>
     *     <li>{@link Publication}: sends everything offered that its ring still holds first. An identified publication
     *     whose connection was lost fails its pending {@code sendAsync} futures here: they waited for a resume.</li>
     *     <li>{@link ExclusivePublication}: sends what was committed first; a claim still open is dropped.</li>
     *     <li>{@link Subscription}: messages already received can still be polled. In {@link AckMode#AUTO} what
     *     {@code poll} delivered is acknowledged first: call it from the polling thread, or once polling stopped.</li>
     *     <li>{@link CallbackSubscription}: stops delivering. Once it returns the handler is not running and is not
     *     called again (called from the handler itself, the rest of the read is not delivered). What is processed and
     *     not yet acknowledged is acknowledged before the goodbye.</li>
     * </ul>
     */
    @Override
    public final void close()
    {
        if (beginClose())
        {
            finishClose();
        }
    }

    /**
     * Marks this closed and starts its goodbye without waiting for it: {@link SluiceClient#close()} starts every
     * endpoint's goodbye before it waits for any, so a relay that does not answer costs it 5 seconds, not 5 seconds an
     * endpoint.
     *
     * @return whether this call began closing; false when the endpoint was closed already.
     */
    abstract boolean beginClose();

    /**
     * Waits for the goodbye {@link #beginClose()} started, at most until 5 seconds after it started.
     */
    void finishClose()
    {
        awaitClosed();
    }

    /**
     * Marks this closed by the application and tells the client to forget it.
     *
     * @return true for the first call only.
     */
    final boolean markClosed()
    {
        if (closed)
        {
            return false;
        }
        closed = true;
        closeDeadline = System.nanoTime() + CLOSE_WAIT_NANOS;
        onClose.accept(this);
        return true;
    }

    /**
     * @return how long the goodbye begun by {@link #beginClose()} may still take, in nanoseconds; 0 once it is over.
     */
    final long closeNanosLeft()
    {
        return Math.max(0, closeDeadline - System.nanoTime());
    }

    /**
     * Event loop: the orderly goodbye, CLOSE (its ids and sequence zero, as the protocol asks). The relay closes the
     * connection once it has read it, having acknowledged a publisher's DATA before it (protocol.md §3.8), and this
     * side waits for that: closing first, with the relay's bytes unread, would reset the connection and discard what
     * the kernel had not sent yet. After 5 seconds without the relay's close, it closes regardless.
     */
    final void sendCloseFrameAndAwaitRelay()
    {
        channel.writeAndFlush(closeFrame());
        eventLoop.schedule(closeAnyway, CLOSE_WAIT_NANOS, TimeUnit.NANOSECONDS);
    }

    /**
     * Event loop: the orderly goodbye, CLOSE, then the connection closes once it is written, for a subscription on a
     * transport that cannot wait for the relay's close without reading on.
     */
    final void sendCloseFrameAndClose()
    {
        channel.writeAndFlush(closeFrame()).addListener(ChannelFutureListener.CLOSE);
    }

    private ByteBuf closeFrame()
    {
        return Frames.empty(channel.alloc(), FrameType.CLOSE, 0, 0, 0, EpochClock.nanos());
    }

    /**
     * Waits until 5 seconds after the goodbye began for it to close the connection and for its end to be handled (so
     * that {@link #isConnected()} says false once this returns), then closes it regardless. On the event loop, which
     * the wait would block, it returns at once and leaves the closing to the goodbye; on the thread that runs an
     * invoked client, it runs the loop while it waits.
     */
    final void awaitClosed()
    {
        if (eventLoop.inEventLoop() && !InvokedEventLoop.runsHere(eventLoop))
        {
            return;
        }
        final CompletableFuture<Void> ended = handler().inactive;
        final long deadline = closeDeadline;
        InvokedEventLoop.runUntil(eventLoop, ended::isDone, deadline);
        boolean interrupted = false;
        long left;
        while (!ended.isDone() && (left = deadline - System.nanoTime()) > 0)
        {
            try
            {
                ended.get(left, TimeUnit.NANOSECONDS);
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
            catch (final ExecutionException | TimeoutException ex)
            {
                break;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
        channel.close();
    }
}
