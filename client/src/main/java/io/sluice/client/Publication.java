package io.sluice.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.sluice.core.netty.OutboundBytes;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.ring.FrameRing;
import io.sluice.core.util.EpochClock;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
 * <p>
 * <b>Identified publications keep what the relay has not acknowledged.</b> Opened with a producer id
 * ({@link SluiceClient#publish(String, long, int)}), the event loop copies each message, once stamped with its
 * sequence, into a {@link SendLog} of the ring's size and writes it to the socket from there, and the log keeps it
 * until the relay's ACK covers its sequence. Memory is the ring plus the log: when the log is full of frames the
 * relay has not acknowledged, the event loop stops draining the ring, the ring fills, and {@link #offer} and
 * {@link #sendAsync}'s backlog answer {@link #BACK_PRESSURED} as they do when the socket is full. When the connection
 * is lost, {@link SluiceClient#resume(Publication)} continues on a new one: it sends again, in order, what the relay
 * had not accepted, then what the ring still holds, and nothing offered is lost or delivered twice (protocol.md
 * §4.2). An anonymous publication (no producer id) keeps nothing: the socket's buffers are all it has.
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

    private final RingBuffer ringBuffer;
    private final UnsafeBuffer ringMemory;
    private final AsyncSends asyncSends;
    // Shared by a publication and those that resume it: the one whose connection the ring and log go to now.
    private final PublicationLine line;
    private final Handler handler = new Handler();
    // Null for an anonymous publication, which keeps nothing.
    private final SendLog log;
    // Into pooled chunks, or for an identified publication into the log (shared with those that resume it).
    private final RingDrain ringDrain;
    private final RingDrainTask drainTask;
    private final long producerId;
    private final int epoch;
    // The publication a resume replaced this one with, once it did.
    private volatile Publication resumedBy;

    // Event loop only: completed once the connection is closed and every window of the log it had is back.
    private CompletableFuture<Void> logBack;

    /**
     * An anonymous publication.
     */
    Publication(final String stream, final Channel channel, final int maxMessageLength, final int maxPendingAsync,
        final Executor callbacks, final Consumer<AutoCloseable> onClose)
    {
        this(stream, channel, maxMessageLength, maxPendingAsync, callbacks, false, 0, 0, onClose);
    }

    /**
     * A publication with a producer id or without; an identified one keeps each frame until the relay acknowledged
     * it, in a log of the ring's size.
     */
    Publication(final String stream, final Channel channel, final int maxMessageLength, final int maxPendingAsync,
        final Executor callbacks, final boolean identified, final long producerId, final int epoch,
        final Consumer<AutoCloseable> onClose)
    {
        super(stream, channel, onClose);
        final FrameRing ring = FrameRing.forFrames(HEADER_LENGTH + maxMessageLength, 256 * 1024, true);
        this.ringBuffer = ring.ring();
        this.ringMemory = ring.buffer();
        this.maxPayloadLength = Math.min(maxMessageLength, ring.maxFrameLength() - HEADER_LENGTH);
        this.line = new PublicationLine(this, epoch);
        this.asyncSends = new AsyncSends(line, maxPendingAsync, callbacks);
        // The ring is a power of two of at least eight frames, so the log takes any frame the ring does.
        this.log = identified ?
            new SendLog(ringBuffer.capacity(), SendLog.DEFAULT_WINDOWS, line, true) : null;
        this.ringDrain = identified ? new RingToSendLog(ringBuffer, log, asyncSends) :
            new RingToChunks(ringBuffer, asyncSends);
        this.drainTask = new RingDrainTask(this, ringDrain, asyncSends, line);
        this.producerId = producerId;
        this.epoch = epoch;
    }

    /**
     * The same identified publication on a new connection: it takes over the lost one's ring, log and async sends,
     * with what they hold. The lost one's connection is closed and has given back every window of the log.
     */
    Publication(final Publication lost, final Channel channel, final int epoch,
        final Consumer<AutoCloseable> onClose)
    {
        super(lost.stream, channel, onClose);
        this.ringBuffer = lost.ringBuffer;
        this.ringMemory = lost.ringMemory;
        this.maxPayloadLength = lost.maxPayloadLength;
        this.line = lost.line;
        this.asyncSends = lost.asyncSends;
        this.log = lost.log;
        this.ringDrain = lost.ringDrain;
        this.drainTask = new RingDrainTask(this, ringDrain, asyncSends, line);
        this.producerId = lost.producerId;
        this.epoch = epoch;
    }

    /**
     * @return whether the publication was opened with a producer id, and so keeps what the relay has not
     * acknowledged and can be resumed.
     */
    public boolean isIdentified()
    {
        return log != null;
    }

    /**
     * @return the producer id it was opened with; 0 for an anonymous publication.
     */
    public long producerId()
    {
        return producerId;
    }

    /**
     * @return the epoch of its connection; each {@link SluiceClient#resume(Publication)} raises it by one.
     */
    public int epoch()
    {
        return epoch;
    }

    @Override
    ConnectionHandler handler()
    {
        return handler;
    }

    /**
     * @return bytes offered and not yet handed to the socket: the ring plus the connection's outbound buffer; for an
     * identified publication, the ring plus what its log keeps until the relay acknowledges it. Any thread.
     */
    public long bufferedBytes()
    {
        return ringBuffer.size() + (log == null ? OutboundBytes.pending(channel) : log.bufferedBytes());
    }

    /**
     * @return bytes an identified publication keeps at most until the relay acknowledges them (the ring's capacity);
     * 0 for an anonymous one.
     */
    public int logCapacity()
    {
        return log == null ? 0 : log.capacity();
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

    long claimAndCommit(
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
        // Sequence 0 for now: the event loop stamps it as it drains the ring (RingToSendLog, RingToChunks), so
        // sequences follow the order frames go out in, whichever thread offered them.
        Frames.putHeader(memory, index, frameLength, FrameType.DATA, flags, streamId, sourceId, 0L, ts);
        memory.putBytes(index + HEADER_LENGTH, buffer, offset, length);
        ringBuffer.commit(index);
        signalDrain();
        return ringBuffer.producerPosition();
    }

    /**
     * Sends a message, waiting up to {@code timeout} while back-pressured (on the thread that runs an invoked client,
     * running its I/O meanwhile).
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
            // On the thread that runs an invoked client only its I/O makes room: run it rather than sleep.
            if (!InvokedEventLoop.runOnce(eventLoop, parkNanos))
            {
                LockSupport.parkNanos(parkNanos);
            }
            parkNanos = Math.min(parkNanos * 2, TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /**
     * Sends a message without blocking and completes, with its sequence, once the relay acknowledged it
     * (it reached every subscriber lane of the stream; an anonymous publication's ACK comes once the relay has read
     * everything sent so far, else within a millisecond). While the connection is back-pressured the message waits
     * in a backlog of at most {@code maxPendingAsync} messages (a copy of the payload is taken); past that the
     * future fails at once with a {@link BackPressuredException}. Async messages keep their order among
     * themselves.
     * <p>
     * The future completes on {@link ClientConfig#callbackExecutor()} (by default a thread of the client's own, which
     * completes futures one at a time in sequence order), never on the connection's event loop: stages chained
     * without an executor ({@code thenAccept}, {@code thenApply}...) run there, and one that blocks or takes long
     * delays later callbacks but not the connections. Failures found at once (not connected, too large, too many
     * pending) complete the future before this returns, on the calling thread.
     * <p>
     * When the connection ends, an anonymous publication's pending futures fail. An identified publication's wait:
     * they complete once the relay of the connection {@link SluiceClient#resume(Publication)} opens acknowledged
     * their messages (at once for those its WELCOME says it has), and fail only when the application closes the lost
     * publication instead.
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

    // Any thread: the event loop drains the ring unless it is draining already.
    void signalDrain()
    {
        drainTask.signal();
    }

    // On WELCOME, before connected is set. An identified publication's log sends again what it keeps, numbered from
    // the relay's sequence, from this connection.
    @Override
    void startAt(final long sequence)
    {
        if (log != null)
        {
            line.sending(this);
        }
        if (ringDrain.startAt(sequence))
        {
            signalDrain();
        }
    }

    // Event loop: the relay acknowledged through `sequence`, or the socket gave a window back.
    void onLogProgress()
    {
        if (logBack != null)
        {
            if (log.allWindowsBack())
            {
                logBack.complete(null);
            }
            return;
        }
        ringDrain.onProgress();
        if (ringDrain.hasMore())
        {
            signalDrain();
        }
    }

    @Override
    boolean beginClose()
    {
        if (!markClosed())
        {
            return false;
        }
        if (channel.isActive())
        {
            eventLoop.execute(() ->
            {
                handler.closeReason = "closed by the application";
                drainTask.closeWhenDrained(this::sendCloseFrameAndAwaitRelay);
            });
        }
        else if (log != null)
        {
            execute(() -> asyncSends.failAll("publication closed"));
        }
        return true;
    }

    /**
     * @return what this publication shares with those that resume it; concurrent resumes hold its lock while they run.
     */
    PublicationLine line()
    {
        return line;
    }

    /**
     * @return the publication the last resume of this one's line returned, once a resume replaced this one; else
     * null. Holds the lock of {@link #line()}.
     */
    Publication replacement()
    {
        return resumedBy == null ? null : line.latest();
    }

    /**
     * Closes the connection without a goodbye, and completes once it is closed and every window of the log it had
     * is back, so another connection may send from the log. Offers that still reach the ring stay there for it.
     *
     * @return completes on the event loop; fails when the client is closing.
     */
    CompletableFuture<Void> handOverLog()
    {
        return closeThen(back ->
        {
            logBack = back;
            onLogProgress();
        });
    }

    /**
     * A resume did not complete: this publication goes on from where the attempt left the ring and the log (which its
     * WELCOME may have renumbered). Holds the lock of {@link #line()}, once the attempt handed the log over.
     */
    void takeBack()
    {
        line.sending(this);
    }

    /**
     * Marks this publication replaced by {@code resumed}: it answers {@link #CLOSED}. Holds the lock of
     * {@link #line()}.
     */
    void markResumed(final Publication resumed)
    {
        line.latest(resumed);
        resumedBy = resumed;
        markClosed();
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
            if (log != null)
            {
                log.releaseThrough(sequence);
                onLogProgress();
            }
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
            ringDrain.onClosed();
            // An identified publication's sends wait for a resume, unless the application closed it.
            if (log == null || closed && resumedBy == null)
            {
                asyncSends.failAll(closeReason);
            }
        }
    }
}
