package io.sluice.client;

import io.netty.channel.Channel;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.util.EpochClock;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import static io.sluice.core.protocol.FrameDescriptor.*;

/**
 * Publishes messages to one stream of a relay from one application thread, over a connection of its own, copying
 * each message once: into the memory the socket is written from (the model is Aeron's {@code ExclusivePublication}).
 * <p>
 * {@link #tryClaim} reserves room for a message in the publication's {@link SendLog} and writes its header; the
 * application writes the payload in place and commits, and the connection's event loop writes the committed frames to
 * the socket from where they lie, giving the room back once the socket took them. {@link #offer} does the same with a
 * copy of a buffer. Neither blocks nor queues without bound: when the log is full (the socket does not take more,
 * because the relay stopped reading this connection for a slow subscriber) they answer {@link #BACK_PRESSURED}.
 * <p>
 * <b>One thread.</b> The publication belongs to the first thread that claims or offers on it; claiming, committing,
 * aborting or offering from any other thread throws {@link IllegalStateException}. That is what lets it do without a
 * compare-and-set per message: sequences are stamped at the claim, in order. Use {@link Publication} to publish from
 * several threads, or for {@code sendAsync}. {@link #close()} and the read-only methods may be called from any thread.
 * <p>
 * The event loop is woken only when it is idle: at full rate it finds more committed each time it looks, and the
 * publishing thread pays no task or system call per message.
 * <p>
 * <b>Identified publications keep what the relay has not acknowledged.</b> Opened with a producer id
 * ({@link SluiceClient#publishExclusive(String, long, int)}), the publication keeps each frame in its log until the
 * relay's ACK covers its sequence, not merely until the socket took it: memory is still the log's capacity, and while
 * the relay withholds its ACKs the log fills and claims answer {@link #BACK_PRESSURED}. When the connection is lost,
 * {@link SluiceClient#resume(ExclusivePublication)} continues on a new connection: it sends again, in order, what
 * the relay had not accepted, and nothing the application committed is lost or delivered twice (protocol.md §4.2).
 */
public final class ExclusivePublication extends PublicationEndpoint
{
    /** The connection is not established (yet, or any more). */
    public static final long NOT_CONNECTED = Publication.NOT_CONNECTED;
    /** The connection cannot take more now: try again later. */
    public static final long BACK_PRESSURED = Publication.BACK_PRESSURED;
    /** The publication was closed. */
    public static final long CLOSED = Publication.CLOSED;
    /** The payload is larger than {@link #maxPayloadLength()}. */
    public static final long MESSAGE_TOO_LARGE = Publication.MESSAGE_TOO_LARGE;

    private final SendLog log;
    // Shared by a publication and those that resume it: the one whose connection the log sends on now.
    private final ExclusivePublicationLine line;
    private final UnsafeBuffer memory;
    private final Handler handler = new Handler();
    private final SendLogDrainTask drainTask;
    private final boolean identified;
    private final long producerId;
    private final int epoch;

    // The publishing thread only.
    private Thread owner;
    private long nextSequence;
    private BufferClaim openClaim;
    private final BufferClaim offerClaim = new BufferClaim();

    // Event loop only: completed once the connection is closed and every window it had is back in the log.
    private CompletableFuture<Void> logBack;

    // Before connected is set, which the publishing thread reads first. A log kept until acknowledged sends again
    // what it keeps, numbered from the relay's sequence, and new messages follow.
    @Override
    void startAt(final long sequence)
    {
        if (identified)
        {
            line.sending(this);
            nextSequence = log.resendFrom(sequence);
            drainTask.drainIfUnsent();
        }
        else
        {
            nextSequence = sequence;
        }
    }

    /**
     * An anonymous publication, whose log gives bytes back once the socket took them.
     */
    ExclusivePublication(final String stream, final Channel channel, final int maxMessageLength,
        final Consumer<AutoCloseable> onClose)
    {
        this(stream, channel, maxMessageLength, false, 0, 0, onClose);
    }

    /**
     * An identified publication, whose log keeps each frame until the relay acknowledged it.
     */
    ExclusivePublication(final String stream, final Channel channel, final int maxMessageLength,
        final long producerId, final int epoch, final Consumer<AutoCloseable> onClose)
    {
        this(stream, channel, maxMessageLength, true, producerId, epoch, onClose);
    }

    private ExclusivePublication(final String stream, final Channel channel, final int maxMessageLength,
        final boolean identified, final long producerId, final int epoch, final Consumer<AutoCloseable> onClose)
    {
        super(stream, channel, onClose);
        this.line = new ExclusivePublicationLine(this, epoch);
        this.log = new SendLog(SendLog.capacityFor(HEADER_LENGTH + maxMessageLength), SendLog.DEFAULT_WINDOWS,
            line, identified);
        this.memory = log.buffer();
        this.drainTask = new SendLogDrainTask(this, log);
        this.maxPayloadLength = Math.min(maxMessageLength, log.maxFrameLength() - HEADER_LENGTH);
        this.identified = identified;
        this.producerId = producerId;
        this.epoch = epoch;
    }

    /**
     * The same identified publication on a new connection: it takes over the lost one's log, with what it keeps, and
     * its publishing thread.
     */
    ExclusivePublication(final ExclusivePublication lost, final Channel channel, final int epoch,
        final Consumer<AutoCloseable> onClose)
    {
        super(lost.stream, channel, onClose);
        this.log = lost.log;
        this.line = lost.line;
        this.memory = log.buffer();
        this.drainTask = new SendLogDrainTask(this, log);
        this.maxPayloadLength = lost.maxPayloadLength;
        this.identified = true;
        this.producerId = lost.producerId;
        this.epoch = epoch;
        this.owner = lost.owner;
    }

    /**
     * @return the epoch a resume of this publication asks for: one above the last asked for. The publishing thread.
     */
    int nextResumeEpoch()
    {
        return line.nextResumeEpoch();
    }

    /**
     * @return whether the publication was opened with a producer id, and so can be resumed.
     */
    public boolean isIdentified()
    {
        return identified;
    }

    /**
     * @return the producer id it was opened with; 0 for an anonymous publication.
     */
    public long producerId()
    {
        return producerId;
    }

    /**
     * @return the epoch of its connection; each {@link SluiceClient#resume(ExclusivePublication)} raises it by one.
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
     * @return bytes committed and not yet taken by the socket, or for an identified publication not yet acknowledged
     * by the relay (at most the log's capacity).
     */
    public long bufferedBytes()
    {
        return log.bufferedBytes();
    }

    /**
     * @return the log's size in bytes: what this publication holds at most.
     */
    public int logCapacity()
    {
        return log.capacity();
    }

    /**
     * Claims room for a message of {@code length} bytes in the memory the socket is written from, stamped with the
     * current time. Fill {@link BufferClaim#buffer()} from {@link BufferClaim#offset()}, then commit or abort the claim
     * before the next one.
     *
     * @param length payload length, at most {@link #maxPayloadLength()}.
     * @param claim filled in with the room when the claim succeeds.
     * @return the position after the message when claimed (positive), else {@link #BACK_PRESSURED},
     * {@link #NOT_CONNECTED} or {@link #CLOSED}.
     * @throws IllegalArgumentException when {@code length} is negative or above {@link #maxPayloadLength()}.
     * @throws IllegalStateException when the previous claim was neither committed nor aborted, or the call comes from
     * another thread than the publication's.
     */
    public long tryClaim(final int length, final BufferClaim claim)
    {
        return claim(length, claim, EpochClock.nanos());
    }

    private long claim(final int length, final BufferClaim claim, final long timestampNanos)
    {
        checkOwner();
        if (openClaim != null)
        {
            throw new IllegalStateException("the previous claim was neither committed nor aborted");
        }
        if (length < 0 || length > maxPayloadLength)
        {
            throw new IllegalArgumentException("a claim of " + length + " bytes is outside 0.." + maxPayloadLength +
                ", the largest payload this publication takes (the relay's max-frame-length, or the client's " +
                "maxMessageLength, less the " + HEADER_LENGTH + "-byte header)");
        }
        if (!connected)
        {
            return closed ? CLOSED : NOT_CONNECTED;
        }
        final int frameLength = HEADER_LENGTH + length;
        final long position = log.tryClaim(frameLength);
        if (position < 0)
        {
            return BACK_PRESSURED;
        }
        final int index = log.claimIndex();
        final UnsafeBuffer memory = this.memory;
        Frames.putHeader(
            memory, index, frameLength, FrameType.DATA, 0, streamId, sourceId, nextSequence, timestampNanos);
        claim.wrap(this, memory, index, frameLength);
        openClaim = claim;
        return position;
    }

    /**
     * Offers a message, stamped with the current time: a claim, one copy, a commit.
     *
     * @param buffer holds the payload.
     * @param offset payload start.
     * @param length payload length.
     * @return the position after the message when accepted, else {@link #BACK_PRESSURED}, {@link #NOT_CONNECTED},
     * {@link #CLOSED} or {@link #MESSAGE_TOO_LARGE}.
     */
    public long offer(final DirectBuffer buffer, final int offset, final int length)
    {
        return offer(buffer, offset, length, 0, EpochClock.nanos());
    }

    /**
     * Offers a message with explicit flags and timestamp.
     *
     * @param buffer holds the payload.
     * @param offset payload start.
     * @param length payload length.
     * @param flags frame flags, e.g. {@link io.sluice.core.protocol.FrameDescriptor#FLAG_KEYED}.
     * @param timestampNanos epoch nanoseconds to stamp.
     * @return as {@link #offer(DirectBuffer, int, int)}.
     */
    public long offer(final DirectBuffer buffer, final int offset, final int length, final int flags,
        final long timestampNanos)
    {
        if (length > maxPayloadLength || length < 0)
        {
            return MESSAGE_TOO_LARGE;
        }
        if ((flags & FLAG_KEYED) != 0 && length < KEY_LENGTH)
        {
            throw new IllegalArgumentException("a keyed message needs an 8-byte key at the start of its payload");
        }
        final BufferClaim claim = offerClaim;
        final long position = claim(length, claim, timestampNanos);
        if (position > 0)
        {
            claim.putBytes(buffer, offset, length);
            if (flags != 0)
            {
                claim.flags(flags);
            }
            claim.commit();
        }
        return position;
    }

    void commit(final BufferClaim claim)
    {
        checkOwner();
        checkOpen(claim);
        openClaim = null;
        nextSequence++;
        log.commit();
        drainTask.signal();
    }

    void abort(final BufferClaim claim)
    {
        checkOwner();
        checkOpen(claim);
        openClaim = null;
        log.abort();
    }

    private void checkOpen(final BufferClaim claim)
    {
        if (claim != openClaim)
        {
            throw new IllegalStateException("this claim is not the publication's open claim");
        }
    }

    private void checkOwner()
    {
        final Thread current = Thread.currentThread();
        if (current != owner)
        {
            if (owner != null)
            {
                throw new IllegalStateException("exclusive publication to '" + stream + "' belongs to thread '" +
                    owner.getName() + "', not '" + current.getName() + "': use one per thread, or a Publication");
            }
            owner = current;
        }
    }

    // Event loop: the socket took a window's bytes (or the connection closed and gave it back).
    void onWindowReleased()
    {
        if (logBack != null)
        {
            completeIfLogBack();
            return;
        }
        drainTask.drainIfUnsent();
    }

    /**
     * Closes the connection without a goodbye, and completes once it is closed and every window it had is back in the
     * log, so another connection may send from the log. For {@link SluiceClient#resume}: the caller is the
     * publishing thread, with no claim open.
     *
     * @return completes on the event loop; fails when the client is closing.
     */
    CompletableFuture<Void> handOverLog()
    {
        checkOwner();
        if (openClaim != null)
        {
            throw new IllegalStateException("a claim is open: commit or abort it before resuming");
        }
        return awaitLogBack();
    }

    /**
     * As {@link #handOverLog()}, for a connection that never became the application's: the resume that opened it
     * failed.
     */
    CompletableFuture<Void> awaitLogBack()
    {
        return closeThen(back ->
        {
            logBack = back;
            completeIfLogBack();
        });
    }

    // Event loop.
    private void completeIfLogBack()
    {
        if (log.allWindowsBack())
        {
            logBack.complete(null);
        }
    }

    /**
     * Marks this publication replaced by the one {@link SluiceClient#resume} opened: it answers {@link #CLOSED}.
     */
    void markResumed()
    {
        markClosed();
    }

    @Override
    boolean beginClose()
    {
        if (!markClosed())
        {
            return false;
        }
        if (handler.closeReason == null)
        {
            handler.closeReason = "closed by the application";
        }
        connected = false;
        execute(drainTask::closeWhenSent);
        return true;
    }

    private final class Handler extends PublisherHandler
    {
        Handler()
        {
            super(ExclusivePublication.this);
        }

        @Override
        void onAck(final long sequence)
        {
            if (identified)
            {
                log.releaseThrough(sequence);
            }
        }

        @Override
        void onClosed()
        {
            connected = false;
        }
    }
}
