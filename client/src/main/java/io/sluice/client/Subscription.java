package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.sluice.core.ring.FrameRing;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.LENGTH_OFFSET;

/**
 * Receives the messages of one stream, over a connection of its own.
 * <p>
 * The connection's event loop copies each arriving frame into a fixed-size ring; the application takes them
 * out with {@link #poll} on a thread of its own (the model is Aeron's {@code Subscription.poll}). When the ring is
 * full the event loop stops reading the socket until {@code poll} makes room, so a slow application slows the
 * relay and, through it, the producers, while memory stays at the ring's size. Heartbeats keep flowing while
 * reading is paused, so a slow subscriber is not mistaken for a dead one.
 * <p>
 * A subscription takes every frame the relay may send, up to the max-frame-length its WELCOME announced. A frame
 * longer than a ring record (an eighth of the ring) is not copied: it is held aside, one at a time, with a marker in
 * the ring where it belongs, so memory stays at the ring plus one such frame.
 * <p>
 * With acknowledged delivery ({@link SubscribeOptions#acknowledged()}) each message's header carries its
 * {@link io.sluice.core.protocol.Header#position() position} and {@link io.sluice.core.protocol.Header#isRedelivered()
 * redelivered} flag; in {@link AckMode#AUTO} the messages one {@code poll} delivered are acknowledged when the
 * application calls {@code poll} again (or {@link #close()}), in {@link AckMode#EXPLICIT} when it calls
 * {@link #acknowledge(long)}.
 */
public final class Subscription extends SubscriberEndpoint
{
    // Ring record standing for the frame held aside.
    private static final int MSG_FRAME_ASIDE = 2;

    private final FrameRing ring;
    private final RingBuffer ringBuffer;
    private final AtomicBoolean resumeScheduled = new AtomicBoolean();
    private final Runnable resumeTask = this::resume;
    private final Handler handler = new Handler();
    private final org.agrona.concurrent.MessageHandler recordHandler = this::onRecord;
    // A frame too long for a ring record, from the event loop to the poller, who meets its marker record in order.
    private final AtomicReference<ByteBuf> aside = new AtomicReference<>();
    private volatile int asideLength;

    private volatile boolean waitingForRoom;

    // Event loop only: runs that arrived while the ring was full, oldest first; the first may be partly copied.
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();

    // Poller only.
    private MessageHandler pollHandler;
    private final FrameDispatcher dispatcher = new FrameDispatcher();
    // With acknowledged delivery: set on the event loop before the application has the subscription, then the poller's.
    private volatile PositionCounter positions;

    Subscription(final String stream, final Channel channel, final int maxMessageLength, final int ringBytes,
        final java.util.function.Consumer<AutoCloseable> onClose)
    {
        this(stream, channel, SubscribeOptions.DEFAULT, maxMessageLength, ringBytes, onClose);
    }

    Subscription(final String stream, final Channel channel, final SubscribeOptions options,
        final int maxMessageLength, final int ringBytes, final java.util.function.Consumer<AutoCloseable> onClose)
    {
        super(stream, channel, options, onClose);
        this.ring = FrameRing.forFrames(HEADER_LENGTH + maxMessageLength, ringBytes, false);
        this.ringBuffer = ring.ring();
    }

    @Override
    void acknowledging(final Acknowledgements acks)
    {
        positions = new PositionCounter(acks, null, false);
    }

    @Override
    ConnectionHandler handler()
    {
        return handler;
    }

    /**
     * @return whether the connection has ended and every received message has been polled.
     */
    public boolean isDrained()
    {
        // Order matters: the event loop moves held runs into the ring and only then clears waitingForRoom, so once
        // it reads false here (after the connection ended, it never turns true again) the ring shows those runs.
        // Reading the ring first could see it empty just before the last runs went in, and report drained too soon.
        return !connected && !waitingForRoom && ringBuffer.size() == 0;
    }

    /**
     * @return bytes of frames received and not yet polled: the ring, and a frame held aside.
     */
    public int bufferedBytes()
    {
        return ringBuffer.size() + asideLength;
    }

    /**
     * Delivers up to {@code limit} messages (and GAP notices) to {@code handler} on the calling thread, then calls its
     * {@link MessageHandler#onBatchEnd()} when it delivered any. Call from one thread at a time. In
     * {@link AckMode#AUTO}, first acknowledges what earlier calls delivered.
     *
     * @param handler receives each message.
     * @param limit most frames to deliver.
     * @return frames delivered; 0 when none were waiting.
     */
    public int poll(final MessageHandler handler, final int limit)
    {
        final PositionCounter positions = this.positions;
        if (positions != null)
        {
            positions.deliveredAreProcessed();
            pollHandler = positions.delegate(handler);
        }
        else
        {
            pollHandler = handler;
        }
        final int read = ringBuffer.read(recordHandler, limit);
        if (read > 0)
        {
            if (waitingForRoom && hasRoomToResume() && resumeScheduled.compareAndSet(false, true))
            {
                eventLoop.execute(resumeTask);
            }
            handler.onBatchEnd();
        }
        return read;
    }

    private void onRecord(final int msgType, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (msgType == MSG_FRAME_ASIDE)
        {
            deliverAside();
            return;
        }
        dispatcher.dispatch(buffer, index, length, pollHandler);
    }

    private void deliverAside()
    {
        // Cleared before the slot: once the slot is empty the event loop may set the next frame's length.
        asideLength = 0;
        final ByteBuf frame = aside.getAndSet(null);
        if (frame == null)
        {
            return; // released by close()
        }
        try
        {
            dispatcher.dispatch(frame, pollHandler);
        }
        finally
        {
            frame.release();
        }
    }

    // Event loop: copy a run (or a GAP frame) into the ring; keep what does not fit and stop reading.
    private void accept(final ChannelHandlerContext ctx, final ByteBuf frames)
    {
        if (!pending.isEmpty())
        {
            pending.add(frames);
            return;
        }
        if (!copyIn(frames))
        {
            pending.add(frames);
            pauseReading();
        }
    }

    private boolean copyIn(final ByteBuf frames)
    {
        final int end = frames.writerIndex();
        int index = frames.readerIndex();
        while ((index = ring.offerFrames(frames, index, end)) < end)
        {
            final int frameLength = frames.getInt(index + LENGTH_OFFSET);
            if (frameLength <= ring.maxFrameLength() || !setAside(frames, index, frameLength))
            {
                frames.readerIndex(index);
                return false;
            }
            index += frameLength;
        }
        frames.release();
        return true;
    }

    // A frame too long for a record waits aside (a slice of the read, not a copy), behind a marker record. One at a
    // time: while one waits, the next waits in pending as frames do for room in the ring.
    private boolean setAside(final ByteBuf frames, final int index, final int frameLength)
    {
        if (aside.get() != null)
        {
            return false;
        }
        final int claim = ringBuffer.tryClaim(MSG_FRAME_ASIDE, 0);
        if (claim < 0)
        {
            return false;
        }
        asideLength = frameLength;
        // Set before the commit, which publishes it: the poller takes it when it reads the marker.
        aside.set(frames.retainedSlice(index, frameLength));
        ringBuffer.commit(claim);
        return true;
    }

    private void pauseReading()
    {
        channel.config().setAutoRead(false);
        waitingForRoom = true;
        // Register, then look again: the poller may have made room before it could see the flag.
        resumeScheduled.set(false);
        if (hasRoomToResume() && resumeScheduled.compareAndSet(false, true))
        {
            eventLoop.execute(resumeTask);
        }
    }

    // Half the ring free (room for at least four records of the largest size) and nothing aside, so each resume makes
    // real progress.
    private boolean hasRoomToResume()
    {
        return ringBuffer.size() <= ring.capacity() / 2 && aside.get() == null;
    }

    private void resume()
    {
        resumeScheduled.set(false);
        if (closed)
        {
            return;
        }
        ByteBuf frames;
        while ((frames = pending.peek()) != null)
        {
            if (!copyIn(frames))
            {
                pauseReading();
                return;
            }
            pending.poll();
        }
        waitingForRoom = false;
        if (channel.isActive())
        {
            channel.config().setAutoRead(true);
        }
    }


    @Override
    boolean beginClose()
    {
        if (!markClosed())
        {
            return false;
        }
        final PositionCounter positions = this.positions;
        if (positions != null)
        {
            positions.deliveredAreProcessed();
        }
        eventLoop.execute(() ->
        {
            if (channel.isActive())
            {
                handler.closeReason = "closed by the application";
                sayGoodbye();
            }
            releasePending();
        });
        return true;
    }

    @Override
    void finishClose()
    {
        awaitClosed();
        if (eventLoop.inEventLoop())
        {
            releasePending();
        }
        else
        {
            eventLoop.submit(this::releasePending).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private void releasePending()
    {
        ByteBuf frames;
        while ((frames = pending.poll()) != null)
        {
            frames.release();
        }
        final ByteBuf frame = aside.getAndSet(null);
        if (frame != null)
        {
            asideLength = 0;
            frame.release();
        }
        waitingForRoom = false;
    }

    private final class Handler extends SubscriptionHandler
    {
        Handler()
        {
            super(Subscription.this);
        }

        @Override
        void onData(final ChannelHandlerContext ctx, final ByteBuf run)
        {
            accept(ctx, run);
        }

        @Override
        void onGap(final ChannelHandlerContext ctx, final ByteBuf frame)
        {
            accept(ctx, frame.retain());
        }

        @Override
        void onClosed()
        {
            // What was received stays pollable: pending runs still move into the ring as the poller makes room.
            connected = false;
            if (closed)
            {
                releasePending();
            }
        }
    }
}
