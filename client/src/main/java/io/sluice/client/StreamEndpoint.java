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
     * Closes the connection, after an orderly goodbye; what each kind does with what it holds is said by the kind.
     */
    @Override
    public abstract void close();

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
        onClose.accept(this);
        return true;
    }

    /**
     * Event loop: a publisher's orderly goodbye, CLOSE (its ids and sequence zero, as the protocol asks). The relay
     * closes the connection once it has read it and acknowledged what came before (protocol.md §3.8), and this side
     * reads on until it does: closing first, with the relay's ACKs unread, would reset the connection and discard what
     * the kernel had not sent yet. After 5 seconds without the relay's close, it closes regardless.
     */
    final void sendCloseFrameAndAwaitRelay()
    {
        channel.writeAndFlush(closeFrame());
        eventLoop.schedule(closeAnyway, CLOSE_WAIT_NANOS, TimeUnit.NANOSECONDS);
    }

    /**
     * Event loop: a subscriber's orderly goodbye, CLOSE, then the connection closes once it is written. Not reading on:
     * whatever the relay wrote meanwhile would be taken from its lane and discarded, lost to a durable subscription.
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
     * Waits up to 5 seconds for the goodbye to close the connection and for its end to be handled (so that
     * {@link #isConnected()} says false once this returns), then closes it regardless. On the event loop, which the
     * wait would block, it returns at once and leaves the closing to the goodbye; on the thread that runs an invoked
     * client, it runs the loop while it waits.
     */
    final void awaitClosed()
    {
        if (eventLoop.inEventLoop() && !InvokedEventLoop.runsHere(eventLoop))
        {
            return;
        }
        final CompletableFuture<Void> ended = handler().inactive;
        final long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
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
