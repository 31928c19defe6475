package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.sluice.core.netty.ByteBufView;
import io.sluice.core.netty.OutboundBytes;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.ring.FrameRing;
import io.sluice.core.util.EpochClock;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static io.sluice.core.protocol.FrameDescriptor.*;

/**
 * Publishes messages to one stream of a relay, over a connection of its own.
 * <p>
 * {@link #offer} never blocks and never queues without bound (the model is Aeron's {@code Publication.offer}):
 * it copies the message into a fixed-size ring that the connection's event loop drains into the socket, and
 * answers {@link #BACK_PRESSURED} while the socket is not writable or the ring is full. Slow subscribers make the
 * relay stop reading this connection, the socket fills, and offer says so: that is the backpressure.
 * <p>
 * Sequence numbers are stamped in ring order by the event loop, so offer is safe from several threads and each
 * message's sequence reflects the order the relay receives them in. {@link #sendAsync} goes through the same ring;
 * {@link AsyncSends} keeps its backlog and futures.
 */
public final class Publication extends PublicationEndpoint
{
    /** The connection is not established (yet, or any more). */
    public static final long NOT_CONNECTED = -1;
    /** The connection cannot take more now: try again later. */
    public static final long BACK_PRESSURED = -2;
    /** The publication was closed. */
    public static final long CLOSED = -4;
    /** The payload is larger than {@link #maxPayloadLength()}. */
    public static final long MESSAGE_TOO_LARGE = -5;

    private static final int CHUNK_BYTES = 64 * 1024;

    private final FrameRing ring;
    private final RingBuffer ringBuffer;
    private final UnsafeBuffer ringMemory;
    private final AsyncSends asyncSends;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    private final org.agrona.concurrent.MessageHandler recordHandler = this::onRecord;
    private final Handler handler = new Handler();

    // Event loop only.
    private long nextSequence;
    private ByteBuf chunk;
    // The chunk's memory, and where the next frame goes in it (the chunk's writer index is set when it is written).
    private final ByteBufView chunkView = new ByteBufView();
    private MutableDirectBuffer chunkMemory;
    private int chunkPosition;
    private int chunkCapacity;

    Publication(final String stream, final Channel channel, final int maxMessageLength, final int maxPendingAsync,
        final Executor callbacks, final java.util.function.Consumer<AutoCloseable> onClose)
    {
        super(stream, channel, onClose);
        this.ring = FrameRing.forFrames(HEADER_LENGTH + maxMessageLength, 256 * 1024, true);
        this.ringBuffer = ring.ring();
        this.ringMemory = ring.buffer();
        this.maxPayloadLength = Math.min(maxMessageLength, ring.maxFrameLength() - HEADER_LENGTH);
        this.asyncSends = new AsyncSends(new AsyncRing(), maxPendingAsync, callbacks);
    }

    @Override
    ConnectionHandler handler()
    {
        return handler;
    }

    /**
     * @return bytes offered and not yet handed to the socket: the ring plus the connection's outbound buffer; any
     * thread.
     */
    public long bufferedBytes()
    {
        return ringBuffer.size() + OutboundBytes.pending(channel);
    }

    /**
     * Offers a message, stamped with the current time.
     *
     * @param buffer holds the payload.
     * @param offset payload start.
     * @param length payload length.
     * @return a non-negative position when accepted, else {@link #BACK_PRESSURED}, {@link #NOT_CONNECTED},
     * {@link #CLOSED} or {@link #MESSAGE_TOO_LARGE}.
     */
    public long offer(final DirectBuffer buffer, final int offset, final int length)
    {
        return offer(buffer, offset, length, 0, EpochClock.nanos());
    }

    /**
     * Offers a message with explicit flags and timestamp (a load generator stamps the intended send time).
     *
     * @param buffer holds the payload.
     * @param offset payload start.
     * @param length payload length.
     * @param flags frame flags, e.g. {@link io.sluice.core.protocol.FrameDescriptor#FLAG_KEYED}.
     * @param timestampNanos epoch nanoseconds to stamp.
     * @return a non-negative position when accepted, else a negative status as for
     * {@link #offer(DirectBuffer, int, int)}.
     */
    public long offer(
        final DirectBuffer buffer, final int offset, final int length, final int flags, final long timestampNanos)
    {
        final long status = checkState(length, flags);
        if (status != 0)
        {
            return status;
        }
        return claimAndCommit(FrameRing.MSG_FRAME, buffer, offset, length, flags, timestampNanos);
    }

    private long checkState(final int length, final int flags)
    {
        if (!connected)
        {
            return closed ? CLOSED : NOT_CONNECTED;
        }
        if (length > maxPayloadLength || length < 0)
        {
            return MESSAGE_TOO_LARGE;
        }
        if ((flags & FLAG_KEYED) != 0 && length < KEY_LENGTH)
        {
            throw new IllegalArgumentException("a keyed message needs an 8-byte key at the start of its payload");
        }
        if (!channel.isWritable())
        {
            return BACK_PRESSURED;
        }
        return 0;
    }

    private long claimAndCommit(
        final int msgType,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int flags,
        final long ts)
    {
        final int frameLength = HEADER_LENGTH + length;
        final int index = ringBuffer.tryClaim(msgType, frameLength);
        if (index < 0)
        {
            return BACK_PRESSURED;
        }
        final UnsafeBuffer memory = ringMemory;
        memory.putInt(index + LENGTH_OFFSET, frameLength, ByteOrder.BIG_ENDIAN);
        memory.putByte(index + VERSION_OFFSET, (byte)VERSION);
        memory.putByte(index + TYPE_OFFSET, (byte)FrameType.DATA);
        memory.putShort(index + FLAGS_OFFSET, (short)flags, ByteOrder.BIG_ENDIAN);
        memory.putInt(index + STREAM_ID_OFFSET, streamId, ByteOrder.BIG_ENDIAN);
        memory.putInt(index + SOURCE_ID_OFFSET, sourceId, ByteOrder.BIG_ENDIAN);
        memory.putLong(index + TIMESTAMP_OFFSET, ts, ByteOrder.BIG_ENDIAN);
        memory.putBytes(index + HEADER_LENGTH, buffer, offset, length);
        ringBuffer.commit(index);
        signalDrain();
        return ringBuffer.producerPosition();
    }

    /**
     * Sends a message, waiting up to {@code timeout} while back-pressured.
     *
     * @param buffer holds the payload.
     * @param offset payload start.
     * @param length payload length.
     * @param timeout how long to wait for room.
     * @return as {@link #offer(DirectBuffer, int, int)}; {@link #BACK_PRESSURED} means the timeout passed.
     */
    public long send(final DirectBuffer buffer, final int offset, final int length, final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        long parkNanos = 1_000;
        while (true)
        {
            final long result = offer(buffer, offset, length);
            if (result != BACK_PRESSURED || System.nanoTime() - deadline >= 0)
            {
                return result;
            }
            LockSupport.parkNanos(parkNanos);
            parkNanos = Math.min(parkNanos * 2, TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /**
     * Sends a message without blocking and completes, with its sequence, once the relay acknowledged it
     * (it reached every subscriber lane of the stream). While the connection is back-pressured the message waits
     * in a backlog of at most {@code maxPendingAsync} messages (a copy of the payload is taken); past that the
     * future fails at once with a {@link BackPressuredException}. Async messages keep their order among
     * themselves.
     * <p>
     * The future completes on {@link ClientConfig#callbackExecutor()} (by default a thread of the client's own, which
     * completes futures one at a time in sequence order), never on the connection's event loop: stages chained
     * without an executor ({@code thenAccept}, {@code thenApply}...) run there, and one that blocks or takes long
     * delays later callbacks but not the connections. Failures found at once (not connected, too large, too many
     * pending) complete the future before this returns, on the calling thread.
     *
     * @param buffer holds the payload.
     * @param offset payload start.
     * @param length payload length.
     * @return the future sequence.
     */
    public CompletableFuture<Long> sendAsync(final DirectBuffer buffer, final int offset, final int length)
    {
        final CompletableFuture<Long> future = new CompletableFuture<>();
        if (closed || !connected)
        {
            future.completeExceptionally(new IllegalStateException(closed ? "publication closed" : "not connected"));
            return future;
        }
        if (length > maxPayloadLength)
        {
            future.completeExceptionally(new IllegalArgumentException(
                "payload of " + length + " bytes exceeds the maximum of " + maxPayloadLength));
            return future;
        }
        asyncSends.send(buffer, offset, length, future);
        return future;
    }

    // Wakes the event loop only when it is not already draining: at full rate the loop finds more each time it
    // looks and stays scheduled, so offer rarely pays for a task and an eventfd write.
    private void signalDrain()
    {
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true))
        {
            eventLoop.execute(drainTask);
        }
    }

    @Override
    void startAt(final long sequence)
    {
        nextSequence = sequence;
    }

    // Event loop: copy every committed record into pooled chunks, stamping sequences in ring order.
    private void drain()
    {
        if (!channel.isActive())
        {
            drainScheduled.set(false);
            return;
        }
        final int read = ringBuffer.read(recordHandler, 16 * 1024);
        writeChunk();
        if (read > 0)
        {
            channel.flush();
        }
        if (ringBuffer.size() > 0)
        {
            // Still scheduled: offers made meanwhile need no signal of their own.
            eventLoop.execute(drainTask);
        }
        else
        {
            // Clear, then look again: an offer that saw the flag still set before we cleared it is in the ring now.
            drainScheduled.set(false);
            if (ringBuffer.size() > 0)
            {
                signalDrain();
            }
        }
        asyncSends.retryBacklog();
    }

    private void onRecord(
        final int msgType, final org.agrona.MutableDirectBuffer buffer, final int index, final int length)
    {
        if (chunk == null || chunkCapacity - chunkPosition < length)
        {
            writeChunk();
            newChunk(Math.max(CHUNK_BYTES, length));
        }
        // Straight into the chunk's memory: one copy and one store per message, no ByteBuf index bookkeeping.
        final int frameStart = chunkPosition;
        chunkMemory.putBytes(frameStart, buffer, index, length);
        final long sequence = nextSequence++;
        chunkMemory.putLong(frameStart + SEQUENCE_OFFSET, sequence, ByteOrder.BIG_ENDIAN);
        chunkPosition = frameStart + length;
        if (msgType == AsyncSends.MSG_ASYNC)
        {
            asyncSends.onStamped(sequence);
        }
    }

    private void newChunk(final int capacity)
    {
        ByteBuf out = channel.alloc().directBuffer(capacity);
        if (!out.hasMemoryAddress())
        {
            // No sun.misc.Unsafe: a heap chunk, written through its array (Netty copies it out to the socket).
            out.release();
            out = channel.alloc().heapBuffer(capacity);
        }
        chunkMemory = chunkView.wrap(out);
        chunk = out;
        chunkCapacity = out.capacity();
        chunkPosition = 0;
    }

    private void writeChunk()
    {
        if (chunk != null)
        {
            chunk.writerIndex(chunkPosition);
            channel.write(chunk, channel.voidPromise());
            chunk = null;
        }
    }

    /**
     * Sends what was offered, says goodbye and closes the connection.
     */
    @Override
    public void close()
    {
        if (!markClosed())
        {
            return;
        }
        if (channel.isActive())
        {
            eventLoop.execute(() ->
            {
                drain();
                handler.closeReason = "closed by the application";
                sendCloseFrame();
            });
        }
        awaitClosed();
    }

    /** The ring and event loop as {@link AsyncSends} sees them. */
    private final class AsyncRing implements AsyncSends.Ring
    {
        @Override
        public boolean connected()
        {
            return connected;
        }

        @Override
        public boolean writable()
        {
            return channel.isWritable();
        }

        @Override
        public long commit(final DirectBuffer buffer, final int offset, final int length, final long timestampNanos)
        {
            return claimAndCommit(AsyncSends.MSG_ASYNC, buffer, offset, length, 0, timestampNanos);
        }

        @Override
        public void onEventLoop(final Runnable task)
        {
            eventLoop.execute(task);
        }
    }

    private final class Handler extends PublisherHandler
    {
        Handler()
        {
            super(Publication.this);
        }

        @Override
        void onAck(final long sequence)
        {
            asyncSends.onAck(sequence);
        }

        @Override
        public void channelWritabilityChanged(final ChannelHandlerContext ctx) throws Exception
        {
            if (ctx.channel().isWritable())
            {
                asyncSends.retryBacklog();
            }
            super.channelWritabilityChanged(ctx);
        }

        @Override
        void onClosed()
        {
            connected = false;
            if (chunk != null)
            {
                chunk.release();
                chunk = null;
            }
            asyncSends.failAll(closeReason);
        }
    }
}
