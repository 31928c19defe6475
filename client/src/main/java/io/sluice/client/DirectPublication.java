package io.sluice.client;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Hello;
import io.sluice.core.protocol.Role;
import io.sluice.core.util.EpochClock;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static io.sluice.core.protocol.FrameDescriptor.*;

/**
 * Publishes messages to one stream of a relay with no event loop: the calling thread frames each message into the
 * buffer the socket is written from and writes the socket itself (the model is an Aeron publication driven by an
 * invoker rather than by an agent thread of its own). Nothing is handed to another thread, so nothing waits for a
 * wake-up; the price is that nothing happens between the application's calls.
 * <p>
 * {@link #offer} copies the message once into a direct buffer and writes the socket, without blocking, once
 * {@value #WRITE_THRESHOLD} bytes are pending (and, while the socket takes less than that, after each further
 * {@value #WRITE_THRESHOLD}); {@link #flush()} writes what is pending now. Call it before the
 * publishing thread waits or idles, or the last messages stay in the buffer. When the socket does not take more (the
 * relay stopped reading for a slow subscriber) and the buffer is full, offer answers {@link #BACK_PRESSURED}.
 * <p>
 * <b>Duty cycle.</b> Like an Aeron agent's, the publishing thread must call {@link #doWork()} at least once every
 * heartbeat interval of the relay's WELCOME (1 s by default) when it is not offering at full rate, and
 * {@link #flush()} (or doWork) before it waits or idles. doWork writes what is pending, reads the relay's ACKs,
 * heartbeats and errors, sends a HEARTBEAT each interval, and closes the publication when
 * the relay was silent for longer than its heartbeat timeout. A thread that offers at full rate writes as it goes and
 * reads the relay every {@value #OFFERS_PER_READ} offers and on every back-pressured one, so it sees ACKs and errors
 * too. A thread that calls nothing for longer than the relay's heartbeat timeout is closed by the relay.
 * <p>
 * <b>One thread.</b> Every method but {@link #ackedSequence()}, {@link #isConnected()}, {@link #closeReason()} and
 * {@link #errorCode()} must be called from the same thread (or with a happens-before between callers); nothing is
 * checked.
 * <p>
 * Anonymous (no producer id) and plain TCP only: a TLS configuration is refused. The relay's ERROR closes the
 * publication: {@link #offer} answers {@link #CLOSED}, and {@link #errorCode()} and {@link #closeReason()} say why.
 */
public final class DirectPublication implements AutoCloseable
{
    /** The connection cannot take more now: try again later. */
    public static final long BACK_PRESSURED = Publication.BACK_PRESSURED;
    /** The publication was closed by the application, the relay or an I/O error. */
    public static final long CLOSED = Publication.CLOSED;
    /** The payload is larger than {@link #maxPayloadLength()}. */
    public static final long MESSAGE_TOO_LARGE = Publication.MESSAGE_TOO_LARGE;

    /** Pending bytes at which {@link #offer} writes the socket. */
    public static final int WRITE_THRESHOLD = 64 * 1024;
    /** Offers between two reads of what the relay sent. */
    public static final int OFFERS_PER_READ = 1024;

    private static final int MIN_BUFFER_BYTES = 256 * 1024;
    // Selecting with an action adds nothing to the selector's set of selected keys: no allocation per wait.
    private static final java.util.function.Consumer<SelectionKey> IGNORE_SELECTED = selected -> {};
    private static final int INBOUND_BYTES = 4 * PublisherFrameCheck.MAX_FRAME_LENGTH;

    private final String stream;
    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final long closeTimeoutNanos;
    private final int streamId;
    private final int sourceId;
    private final int maxPayloadLength;
    private final Liveness liveness;

    private final SocketWriteBuffer out;
    private final SocketReadBuffer in;
    private final PublisherFrameCheck check = new PublisherFrameCheck();

    private long nextSequence;
    private int offersSinceRead;
    private boolean closing;
    private boolean peerClosed;
    private volatile boolean connected = true;
    private volatile long ackedSequence;
    private volatile String closeReason;
    private volatile ErrorCode errorCode;

    private DirectPublication(final String stream, final DirectHandshake handshake, final ByteBuffer in,
        final ClientConfig config)
    {
        final Welcome welcome = handshake.welcome();
        this.stream = stream;
        this.channel = handshake.channel();
        this.selector = handshake.selector();
        this.key = handshake.key();
        this.in = new SocketReadBuffer(channel, in);
        this.closeTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.connectTimeoutMs());
        this.streamId = welcome.streamId();
        this.sourceId = welcome.sourceId();
        this.maxPayloadLength = Math.min(config.maxMessageLength(), welcome.maxFrameLength() - HEADER_LENGTH);
        this.nextSequence = welcome.nextSequence();
        this.ackedSequence = nextSequence - 1;
        // Room for the largest frame twice over, so a frame still fits while the socket holds back the one before.
        final int capacity = Math.max(MIN_BUFFER_BYTES, 2 * (HEADER_LENGTH + Math.max(maxPayloadLength, 0)));
        this.out = new SocketWriteBuffer(channel, capacity, WRITE_THRESHOLD);
        this.liveness = Liveness.welcomed(welcome, config, System.nanoTime());
    }

    /**
     * Connects to the relay in {@code config}, says HELLO as an anonymous publisher of {@code stream} and waits for
     * the WELCOME, all within {@link ClientConfig#connectTimeoutMs()}.
     *
     * @param config the relay's address, auth token, largest message and connect timeout; the heartbeat settings are
     *               the relay's, from its WELCOME.
     * @param stream the stream to publish to.
     * @return a connected publication.
     * @throws SluiceException when the relay cannot be reached, refuses the HELLO (the message names its error), or
     *                         does not answer in time.
     * @throws IllegalArgumentException when {@code config} asks for TLS, or the stream name is not valid.
     */
    public static DirectPublication connect(final ClientConfig config, final String stream) throws SluiceException
    {
        if (config.tls() != null)
        {
            throw new IllegalArgumentException(
                "direct publications are plain TCP: use SluiceClient.publish for a relay port that takes TLS");
        }
        final Hello hello = new Hello(Role.PUBLISHER, stream, "", config.authToken());
        final ByteBuffer in = ByteBuffer.allocateDirect(INBOUND_BYTES);
        final DirectHandshake handshake = DirectHandshake.connect(config, hello, in);
        try
        {
            return new DirectPublication(stream, handshake, in, config);
        }
        catch (final RuntimeException | Error ex)
        {
            DirectHandshake.closeQuietly(handshake.channel(), handshake.selector());
            throw ex;
        }
    }

    /**
     * Offers a message, stamped with the current time.
     *
     * @param buffer holds the payload.
     * @param offset payload start.
     * @param length payload length.
     * @return the message's sequence (0 or more) when accepted, else {@link #BACK_PRESSURED},
     * {@link #MESSAGE_TOO_LARGE} or {@link #CLOSED}.
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
     * @return as {@link #offer(DirectBuffer, int, int)}.
     */
    public long offer(final DirectBuffer buffer, final int offset, final int length, final int flags,
        final long timestampNanos)
    {
        if (!connected)
        {
            return CLOSED;
        }
        if (length > maxPayloadLength || length < 0)
        {
            return MESSAGE_TOO_LARGE;
        }
        if ((flags & FLAG_KEYED) != 0 && length < KEY_LENGTH)
        {
            throw new IllegalArgumentException("a keyed message needs an 8-byte key at the start of its payload");
        }
        if (++offersSinceRead >= OFFERS_PER_READ)
        {
            offersSinceRead = 0;
            if (readAndCheck(System.nanoTime()) < 0)
            {
                return CLOSED;
            }
        }
        final int frameLength = HEADER_LENGTH + length;
        final int index = claim(frameLength);
        if (index < 0)
        {
            return connected ? BACK_PRESSURED : CLOSED;
        }
        final SocketWriteBuffer out = this.out;
        final UnsafeBuffer frames = out.buffer();
        final long sequence = nextSequence++;
        Frames.putHeader(
            frames, index, frameLength, FrameType.DATA, flags, streamId, sourceId, sequence, timestampNanos);
        frames.putBytes(index + HEADER_LENGTH, buffer, offset, length);
        out.commit(frameLength);
        if (out.writeIfDue() < 0)
        {
            writeFailed();
        }
        return sequence;
    }

    // Where a frame fits in the outbound buffer, or -1. A back-pressured offer also reads, so a thread spinning on
    // offer sees the relay's ERROR.
    private int claim(final int frameLength)
    {
        final int index = out.claim(frameLength);
        if (index >= 0)
        {
            return index;
        }
        if (index == SocketWriteBuffer.WRITE_FAILED)
        {
            writeFailed();
        }
        else
        {
            readAndCheck(System.nanoTime());
        }
        return -1;
    }

    /**
     * Writes what is pending to the socket, as much as it takes now.
     *
     * @return bytes written; 0 when nothing was pending, the socket took nothing, or the publication is closed.
     */
    public int flush()
    {
        return connected ? write() : 0;
    }

    /**
     * What a thread does when {@link #offer} said {@link #BACK_PRESSURED} and it has nothing else to do: sleeps until
     * the socket takes bytes again (or the relay sends something), at most {@code timeoutMs}, then runs
     * {@link #doWork()}. A thread that spun instead would take a CPU the relay and the subscribers may need.
     *
     * @param timeoutMs the longest wait, in milliseconds; at least 1.
     * @return whether the publication is still connected.
     */
    public boolean awaitRoom(final long timeoutMs)
    {
        if (!connected)
        {
            return false;
        }
        if (out.pendingBytes() > 0)
        {
            try
            {
                key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                selector.select(IGNORE_SELECTED, Math.max(1, timeoutMs));
                key.interestOps(SelectionKey.OP_READ);
            }
            catch (final IOException | RuntimeException ex)
            {
                lost("I/O error: " + ex.getMessage(), null);
                return false;
            }
        }
        doWork();
        return connected;
    }

    /**
     * One duty cycle: writes what is pending, reads what the relay sent (ACKs, heartbeats, an ERROR or CLOSE), sends
     * a HEARTBEAT each of the relay's heartbeat intervals (protocol.md §5), and closes the publication when the
     * relay was silent for longer than its heartbeat timeout. Call it at least every heartbeat interval when not
     * offering.
     *
     * @return work done: bytes written plus frames read; 0 when idle or closed.
     */
    public int doWork()
    {
        if (!connected)
        {
            return 0;
        }
        int work = write();
        final long now = System.nanoTime();
        final int frames = readAndCheck(now);
        if (frames < 0)
        {
            return work;
        }
        work += frames;
        // On schedule even while data flows (protocol.md §5), after the last whole frame; skipped while the socket
        // holds back what is pending.
        if (liveness.isHeartbeatDue(now) && !closing && out.pendingBytes() < WRITE_THRESHOLD)
        {
            final int index = out.claimAtTail(HEADER_LENGTH);
            if (index >= 0)
            {
                appendEmpty(index, FrameType.HEARTBEAT);
                liveness.onSent(now);
                work += write();
            }
        }
        return work;
    }

    private void appendEmpty(final int index, final int type)
    {
        out.commit(ControlFrames.putEmpty(out.buffer(), index, type));
    }

    // Bytes written, or 0 when the write failed and closed the publication.
    private int write()
    {
        final int written = out.write();
        if (written < 0)
        {
            writeFailed();
            return 0;
        }
        return written;
    }

    private void writeFailed()
    {
        // A relay that sent ERROR closes without reading on: what it said is likely still to be read.
        if (closeReason == null)
        {
            readAndCheck(System.nanoTime());
        }
        lost("I/O error: " + out.writeError().getMessage(), null);
    }

    // Reads what the relay sent and checks its liveness: frames handled, or -1 once the publication is closed.
    private int readAndCheck(final long now)
    {
        final SocketReadBuffer in = this.in;
        // Frames that came with the WELCOME first: the relay's last words before it closes may be among them.
        int frames = in.available() >= HEADER_LENGTH ? handleFrames() : 0;
        while (connected)
        {
            final int read = in.read();
            if (read == SocketReadBuffer.READ_FAILED)
            {
                lost("I/O error: " + in.readError().getMessage(), null);
                return -1;
            }
            if (read == SocketReadBuffer.END_OF_STREAM)
            {
                peerClosed = true;
                if (!closing)
                {
                    lost(closeReason == null ? "relay closed the connection" : closeReason, errorCode);
                    return -1;
                }
                break;
            }
            if (read == 0)
            {
                break;
            }
            liveness.onReceived(now);
            frames += handleFrames();
        }
        if (!connected)
        {
            return -1;
        }
        if (!closing && liveness.isPeerSilentTooLong(now))
        {
            protocolError(ErrorCode.HEARTBEAT_TIMEOUT, "nothing from the relay for " + liveness.silenceMs(now) +
                " ms, past its heartbeat timeout");
            return -1;
        }
        return frames;
    }

    // Handles the whole frames read: a frame's length is checked once its header is here, the rest once it all is.
    private int handleFrames()
    {
        final SocketReadBuffer in = this.in;
        final UnsafeBuffer frames = in.buffer();
        final int end = in.writeIndex();
        int index = in.readIndex();
        int handled = 0;
        while (end - index >= HEADER_LENGTH && connected)
        {
            final int length = frames.getInt(index + LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
            if (!check.checkLength(length))
            {
                refused();
                break;
            }
            if (end - index < length)
            {
                break;
            }
            final int frameIndex = index;
            index += length;
            in.readIndex(index);
            handled++;
            if (check.checkHeader(frames, frameIndex, length))
            {
                onFrame(frames, frameIndex, length);
            }
            else
            {
                refused();
            }
        }
        return handled;
    }

    // A frame the check passed: ACK, HEARTBEAT, ERROR or CLOSE.
    private void onFrame(final UnsafeBuffer frames, final int index, final int length)
    {
        final int type = frames.getByte(index + TYPE_OFFSET) & 0xFF;
        switch (type)
        {
            case FrameType.ACK:
                ackedSequence = frames.getLong(index + SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN);
                break;
            case FrameType.ERROR:
                lost(ControlFrames.relayError(frames, index, length), ControlFrames.errorCode(frames, index, length));
                break;
            case FrameType.CLOSE:
                if (!closing)
                {
                    lost("relay closed the connection", null);
                }
                break;
            default:
                // A HEARTBEAT: that it came is all it says.
                break;
        }
    }

    // A frame the check refused: the relay gets the ERROR that says why.
    private void refused()
    {
        protocolError(check.errorCode(), check.errorText());
    }

    // What the relay sent breaks the protocol, or it went silent: tell it why (what the socket takes now), and close.
    private void protocolError(final ErrorCode code, final String text)
    {
        final String reason = "client error " + code + ": " + text;
        if (closeReason == null)
        {
            closeReason = reason;
        }
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        final int index = out.claimAtTail(ControlFrames.errorLength(bytes));
        if (index >= 0)
        {
            out.commit(ControlFrames.putError(out.buffer(), index, code, bytes));
            write();
        }
        lost(reason, null);
    }

    // The connection is over: keep why, and close the socket.
    private void lost(final String reason, final ErrorCode code)
    {
        if (closeReason == null)
        {
            closeReason = reason;
            errorCode = code;
        }
        connected = false;
        DirectHandshake.closeQuietly(channel, selector);
    }

    /**
     * Writes what is pending, says goodbye (CLOSE) and waits, up to the connect timeout, for the relay to acknowledge
     * every message and close its side, then closes the socket. Offers answer {@link #CLOSED} after it.
     */
    @Override
    public void close()
    {
        if (!connected || closing)
        {
            return;
        }
        closing = true;
        final long deadline = System.nanoTime() + closeTimeoutNanos;
        try
        {
            boolean late = false;
            int index = -1;
            while (connected && !late && (index = claim(HEADER_LENGTH)) < 0)
            {
                late = awaitSocket(deadline);
            }
            if (connected && !late)
            {
                appendEmpty(index, FrameType.CLOSE);
                while (connected)
                {
                    write();
                    readAndCheck(System.nanoTime());
                    // The relay closes once it read the CLOSE, after its ACK for what came before: nothing follows.
                    if (peerClosed || awaitSocket(deadline))
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            if (closeReason == null)
            {
                closeReason = "closed by the application";
            }
            connected = false;
            DirectHandshake.closeQuietly(channel, selector);
        }
    }

    // Waits until the socket can be read, or written when bytes are pending; true once the deadline has passed.
    private boolean awaitSocket(final long deadline)
    {
        final long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (remainingMs <= 0 || !connected)
        {
            return true;
        }
        try
        {
            key.interestOps(
                out.pendingBytes() == 0 ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            selector.select(remainingMs);
            selector.selectedKeys().clear();
        }
        catch (final IOException ex)
        {
            lost("I/O error: " + ex.getMessage(), null);
            return true;
        }
        return false;
    }

    /**
     * @return the stream's name.
     */
    public String stream()
    {
        return stream;
    }

    /**
     * @return the source id the relay assigned; subscribers see it in each message's header.
     */
    public int sourceId()
    {
        return sourceId;
    }

    /**
     * @return the largest payload a message may have: the smaller of {@link ClientConfig#maxMessageLength()} and what
     * the relay's max-frame-length, in its WELCOME, leaves after the header.
     */
    public int maxPayloadLength()
    {
        return maxPayloadLength;
    }

    /**
     * @return bytes offered and not yet taken by the socket.
     */
    public int pendingBytes()
    {
        return out.pendingBytes();
    }

    /**
     * @return the highest sequence the relay has acknowledged (every subscriber lane of the stream accepted it), or -1.
     * Any thread.
     */
    public long ackedSequence()
    {
        return ackedSequence;
    }

    /**
     * @return whether the connection is up: false once closed by the application, the relay or an I/O error. Any
     * thread.
     */
    public boolean isConnected()
    {
        return connected;
    }

    /**
     * @return why the connection ended, or null while it is up. Any thread.
     */
    public String closeReason()
    {
        return connected ? null : closeReason;
    }

    /**
     * @return the code of the relay's ERROR that ended the connection, or null when it ended otherwise or is up.
     */
    public ErrorCode errorCode()
    {
        return errorCode;
    }
}
