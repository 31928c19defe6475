package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;

import io.netty.util.concurrent.Future;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Receives the messages of one stream into a handler that runs on the connection's event loop, over the socket's
 * read buffer itself: no copy, no ring, no hand-off to another thread. Each message goes to
 * {@link MessageHandler#onMessage} as it lies in the read; after the messages of one read from the socket,
 * {@link MessageHandler#onBatchEnd()} is called once.
 * <p>
 * <b>The handler must not block.</b> It runs on the event loop that the client's other connections may share, and
 * while it runs the connection reads nothing (heartbeats are not sent either: a handler that holds the loop for longer
 * than the relay's heartbeat timeout is taken for a dead subscriber). A handler that is merely slow throttles as
 * {@link Subscription#poll} does: the loop reads a socket buffer's worth (Netty's {@code maxMessagesPerRead} reads)
 * per turn and hands each read to the handler before the next, so the kernel's receive buffer fills, TCP's window
 * closes and the relay slows the stream's producers. Memory stays at one read buffer plus a frame split across
 * two reads, however slow the handler.
 * <p>
 * A handler that throws closes the connection: the relay gets an {@code INTERNAL} error and
 * {@link #closeReason()} names the exception.
 * <p>
 * With acknowledged delivery ({@link SubscribeOptions#acknowledged()}) each message's header carries its
 * {@link io.sluice.core.protocol.Header#position() position} and {@link io.sluice.core.protocol.Header#isRedelivered()
 * redelivered} flag; in {@link AckMode#AUTO} a message is acknowledged once the handler returns from it (not when it
 * throws), in {@link AckMode#EXPLICIT} when the application calls {@link #acknowledge(long)}.
 */
public final class CallbackSubscription extends SubscriberEndpoint
{
    private final MessageHandler messageHandler;
    // Event loop only: the application's handler, or with acknowledged delivery the counter of positions before it.
    private MessageHandler deliverTo;
    private final FrameDispatcher dispatcher = new FrameDispatcher();
    private final Handler handler = new Handler();

    // Event loop only: whether messages went to the handler since the last batch end; whether close() ran.
    private boolean delivered;
    private boolean stopped;
    // The application's thread: the stop beginClose handed to the event loop, which finishClose waits for.
    private Future<?> stopping;

    CallbackSubscription(final String stream, final Channel channel, final MessageHandler messageHandler,
        final Consumer<AutoCloseable> onClose)
    {
        this(stream, channel, SubscribeOptions.DEFAULT, messageHandler, onClose);
    }

    CallbackSubscription(final String stream, final Channel channel, final SubscribeOptions options,
        final MessageHandler messageHandler, final Consumer<AutoCloseable> onClose)
    {
        super(stream, channel, options, onClose);
        this.messageHandler = messageHandler;
        this.deliverTo = messageHandler;
    }

    @Override
    void acknowledging(final Acknowledgements acks)
    {
        deliverTo = new PositionCounter(acks, messageHandler, acks.mode() == AckMode.AUTO);
    }

    @Override
    ConnectionHandler handler()
    {
        return handler;
    }

    @Override
    boolean beginClose()
    {
        if (!markClosed())
        {
            return false;
        }
        if (eventLoop.inEventLoop())
        {
            stop();
        }
        else
        {
            stopping = eventLoop.submit(this::stop);
        }
        return true;
    }

    @Override
    void finishClose()
    {
        final Future<?> stopping = this.stopping;
        if (stopping != null)
        {
            stopping.awaitUninterruptibly(closeNanosLeft(), TimeUnit.NANOSECONDS);
        }
        awaitClosed();
    }

    // Event loop: nothing more goes to the handler; say goodbye.
    private void stop()
    {
        stopped = true;
        dispatcher.stop();
        if (channel.isActive())
        {
            handler.closeReason = "closed by the application";
            sayGoodbye();
        }
    }

    private final class Handler extends SubscriptionHandler
    {
        Handler()
        {
            super(CallbackSubscription.this);
        }

        @Override
        void onData(final ChannelHandlerContext ctx, final ByteBuf run)
        {
            try
            {
                if (!stopped)
                {
                    dispatcher.dispatchRun(run, deliverTo);
                    delivered = true;
                }
            }
            catch (final RuntimeException ex)
            {
                throw handlerFailed(ex);
            }
            finally
            {
                run.release();
            }
        }

        @Override
        void onGap(final ChannelHandlerContext ctx, final ByteBuf frame)
        {
            if (!stopped)
            {
                try
                {
                    dispatcher.dispatch(frame, deliverTo);
                    delivered = true;
                }
                catch (final RuntimeException ex)
                {
                    throw handlerFailed(ex);
                }
            }
        }

        @Override
        public void channelReadComplete(final ChannelHandlerContext ctx)
        {
            if (delivered && !stopped)
            {
                delivered = false;
                messageHandler.onBatchEnd();
            }
            ctx.fireChannelReadComplete();
        }

        @Override
        void onClosed()
        {
            connected = false;
        }

        // The pipeline's error handler answers the relay with INTERNAL and closes; the reason names the handler.
        private RuntimeException handlerFailed(final RuntimeException ex)
        {
            closeReason = "the message handler threw " + ex;
            return ex;
        }
    }
}
