package io.sluice.client;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Header;
import io.sluice.core.protocol.Hello;
import io.sluice.core.protocol.Role;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

import static io.sluice.core.protocol.FrameDescriptor.FLAG_KEYED;
import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.KEY_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.LENGTH_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.RELAY_FLAGS;
import static io.sluice.core.protocol.FrameDescriptor.TYPE_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.VERSION;

/**
 * Receives the messages of one stream on the thread that calls {@link #poll}, which does the connection's I/O
 * itself: it reads the socket (without blocking) into a read buffer and hands each message to the handler where it
 * lies there. No event loop, no ring and no hand-off between threads: the shortest path from the relay to the
 * application, for a thread that polls in a loop of its own (a duty cycle, as with Aeron's invoker mode).
 * <p>
 * <b>The duty-cycle rule.</b> Everything happens in {@link #poll}: reading, the heartbeats this side sends, the check
 * that the relay is alive. Call it at least once per heartbeat interval (the relay's WELCOME announces it; 1 second
 * by default), even when there is nothing to do with the messages: a subscription not polled for longer than the
 * relay's heartbeat timeout is taken for a dead subscriber and closed by the relay.
 * <p>
 * <b>Flow control is TCP's.</b> A slow poller throttles the stream's producers: while it does not poll, nothing is
 * read, the kernel's receive buffer fills, TCP's window closes and the relay stops reading the producers (under the
 * relay's lossless strategies; under a drop policy it drops from this subscriber's lane and reports GAPs). Memory
 * stays at one read buffer.
 * <p>
 * What it does not do: plain TCP only (no TLS); no acknowledged delivery (what the relay sent on the connection and
 * the application did not process is lost with the connection: use {@link SluiceClient#subscribe(String, String,
 * SubscribeOptions)} for that); no reconnect. A connection that ends (the relay's ERROR or CLOSE, a protocol error,
 * a silent relay, the handler throwing) leaves the subscription {@link #isClosed() closed} with its
 * {@link #closeReason() reason}.
 * <p>
 * One thread only: the thread that polls is the one that closes it. Allocates nothing per message or per poll.
 */
public final class DirectSubscription implements AutoCloseable
{
    /** The least size of the read buffer; it is twice the relay's largest frame when that is more. */
    public static final int MIN_READ_BUFFER_BYTES = 256 * 1024;

    // Room for what this side sends: HEARTBEAT, CLOSE, or an ERROR with the longest text.
    private static final int SEND_BUFFER_BYTES = ControlFrames.MAX_ERROR_FRAME_LENGTH + HEADER_LENGTH;
    // Bytes 4 to 7 of a DATA header without flags: version, type, flags 0.
    private static final int DATA_VERSION_AND_TYPE = (VERSION << 8 | FrameType.DATA) << 16;

    private final String stream;
    private final SocketChannel channel;
    private final int streamId;
    private final int maxFrameLength;
    private final Liveness liveness;
    private final Header header = new Header();
    private final SubscriberFrameCheck check;

    private final SocketReadBuffer in;
    // The frames this side sends, waiting there when a write did not take them all.
    private final SocketWriteBuffer out;

    private boolean closedByApplication;
    private volatile boolean closed;
    private volatile String closeReason;

    private DirectSubscription(final String stream, final SocketChannel channel, final int streamId,
        final int maxFrameLength, final Liveness liveness, final ByteBuffer readBuffer)
    {
        this.stream = stream;
        this.channel = channel;
        this.streamId = streamId;
        this.maxFrameLength = maxFrameLength;
        this.liveness = liveness;
        this.check = new SubscriberFrameCheck(maxFrameLength);
        this.in = new SocketReadBuffer(channel, readBuffer);
        // Written only when there is something to send: no write threshold.
        this.out = new SocketWriteBuffer(channel, SEND_BUFFER_BYTES, Integer.MAX_VALUE);
    }

    /**
     * Subscribes to {@code stream}, not durable; see {@link #connect(ClientConfig, String, String)}.
     *
     * @param config the relay's address, the connect timeout, the auth token, heartbeat timeout and receive buffer.
     * @param stream stream name.
     * @return the subscription, welcomed by the relay.
     * @throws SluiceException when the relay refused (with its error text), could not be reached, or did not answer in
     * time.
     */
    public static DirectSubscription connect(final ClientConfig config, final String stream) throws SluiceException
    {
        return connect(config, stream, "");
    }

    /**
     * Connects to the relay, says HELLO as a subscriber of {@code stream} and waits for the WELCOME, blocking for up to
     * {@link ClientConfig#connectTimeoutMs()}. Of the config it uses the host and port, the connect timeout, the auth
     * token, the heartbeat timeout (how long the relay may stay silent) and the receive buffer size; the heartbeat
     * interval is the relay's, from its WELCOME.
     *
     * @param config the relay's address and settings; plain TCP only.
     * @param stream stream name.
     * @param subscriptionName a durable subscription name (one connection at a time holds it), or empty.
     * @return the subscription, welcomed by the relay: from then on it receives every message the relay reads.
     * @throws SluiceException when the relay refused (with its error code and text), could not be reached, or did not
     * answer in time.
     * @throws IllegalArgumentException when the config asks for TLS.
     */
    public static DirectSubscription connect(
        final ClientConfig config, final String stream, final String subscriptionName) throws SluiceException
    {
        if (config.tls() != null)
        {
            throw new IllegalArgumentException("DirectSubscription speaks plain TCP only; the config asks for TLS");
        }
        final Hello hello;
        try
        {
            hello = new Hello(Role.SUBSCRIBER, stream, subscriptionName, config.authToken());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new SluiceException(null, ex.getMessage(), ex);
        }
        final ByteBuffer handshakeBuffer = ByteBuffer.allocateDirect(MIN_READ_BUFFER_BYTES);
        final DirectHandshake handshake = DirectHandshake.connect(config, hello, handshakeBuffer);
        // Closing the selector deregisters the channel, which stays non-blocking: poll reads it so.
        CloseHelper.quietClose(handshake.selector());
        try
        {
            return welcomed(config, stream, handshake.channel(), handshake.welcome(), handshakeBuffer);
        }
        catch (final SluiceException | RuntimeException | Error ex)
        {
            CloseHelper.quietClose(handshake.channel());
            throw ex;
        }
    }

    // The read buffer holds twice the relay's largest frame, and what came right behind the WELCOME.
    private static DirectSubscription welcomed(final ClientConfig config, final String stream,
        final SocketChannel channel, final Welcome welcome, final ByteBuffer handshakeBuffer) throws SluiceException
    {
        final int maxFrameLength = welcome.maxFrameLength();
        if (maxFrameLength < HEADER_LENGTH)
        {
            throw new SluiceException(ErrorCode.INTERNAL, "the relay's WELCOME announces a max frame length of " +
                maxFrameLength, null);
        }
        final int capacity = (int)Math.min(Integer.MAX_VALUE - 8,
            Math.max((long)MIN_READ_BUFFER_BYTES, 2L * maxFrameLength));
        ByteBuffer readBuffer = handshakeBuffer;
        if (capacity > handshakeBuffer.capacity())
        {
            readBuffer = ByteBuffer.allocateDirect(capacity);
            readBuffer.put(handshakeBuffer.flip());
        }
        final Liveness liveness = Liveness.welcomed(welcome, config, System.nanoTime());
        return new DirectSubscription(stream, channel, welcome.streamId(), maxFrameLength, liveness, readBuffer);
    }

    /**
     * @return the stream's name.
     */
    public String stream()
    {
        return stream;
    }

    /**
     * @return the stream id the relay's WELCOME assigned.
     */
    public int streamId()
    {
        return streamId;
    }

    /**
     * @return the largest frame the relay may send, header included, as its WELCOME announced.
     */
    public int maxFrameLength()
    {
        return maxFrameLength;
    }

    /**
     * @return the size of the read buffer, the most this subscription holds of what it received and did not deliver.
     */
    public int readBufferCapacity()
    {
        return in.capacity();
    }

    /**
     * @return whether the connection has ended; {@link #closeReason()} says why.
     */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * @return why the connection ended: the relay's error code and text, its CLOSE, a protocol error in what it sent,
     * its silence, the handler's exception, or the application's close; null while it is open.
     */
    public String closeReason()
    {
        return closeReason;
    }

    /**
     * Reads what the relay sent (without blocking) and delivers up to {@code limit} messages and GAP notices to
     * {@code handler} on the calling thread, each where it lies in the read buffer (valid only during the call); then
     * calls {@link MessageHandler#onBatchEnd()} when it delivered any. A message that does not fit the limit waits in
     * the read buffer for the next call. Also sends a heartbeat when one is due, and closes the subscription when the
     * relay has been silent for longer than the heartbeat timeout. A handler that throws closes the subscription (the
     * relay gets an {@code INTERNAL} error) and the exception propagates. A limit of 0 delivers nothing, and so leaves
     * the producers held back by TCP, but does the rest of the duty cycle (the heartbeat due, the check of a silent
     * relay): what a paced poller calls while it waits for its next message's time.
     *
     * @param handler receives each message.
     * @param limit most messages (and GAP notices) to deliver; 0 for the duty cycle only.
     * @return messages and GAP notices delivered; 0 when none were waiting or the subscription is closed.
     */
    public int poll(final MessageHandler handler, final int limit)
    {
        if (closed)
        {
            return 0;
        }
        int delivered = 0;
        try
        {
            delivered = deliver(handler, limit);
            if (delivered < limit && !closed)
            {
                final int read = read();
                if (read > 0)
                {
                    delivered += deliver(handler, limit - delivered);
                }
            }
        }
        catch (final RuntimeException | Error ex)
        {
            if (!closed)
            {
                fail(ErrorCode.INTERNAL, "the message handler threw " + ex, "the message handler threw " + ex);
            }
            throw ex;
        }
        if (delivered > 0 && !closedByApplication)
        {
            handler.onBatchEnd();
        }
        if (!closed)
        {
            dutyCycle();
        }
        return delivered;
    }

    // Delivers whole frames from the read buffer; stops at the limit, at a frame not all here, or once closed.
    private int deliver(final MessageHandler handler, final int limit)
    {
        final SocketReadBuffer in = this.in;
        final UnsafeBuffer buffer = in.buffer();
        final int end = in.writeIndex();
        int index = in.readIndex();
        int delivered = 0;
        while (delivered < limit && !closed)
        {
            final int available = end - index;
            if (available < HEADER_LENGTH)
            {
                // As soon as its 4 bytes are here: a frame longer than the WELCOME's maximum would never fit.
                if (available >= 4 && !check.checkLength(buffer.getInt(index + LENGTH_OFFSET, ByteOrder.BIG_ENDIAN)))
                {
                    refused();
                }
                break;
            }
            // Length, version, type and flags in one load: a well-formed DATA frame needs no other check.
            final long word = buffer.getLong(index + LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
            final int frameLength = (int)(word >>> 32);
            final int versionTypeFlags = (int)word;
            final boolean data = (versionTypeFlags & ~RELAY_FLAGS) == DATA_VERSION_AND_TYPE &&
                frameLength >= ((versionTypeFlags & FLAG_KEYED) != 0 ? HEADER_LENGTH + KEY_LENGTH : HEADER_LENGTH) &&
                frameLength <= maxFrameLength;
            if (!data && (!check.checkLength(frameLength) || !check.checkHeader(buffer, index, frameLength)))
            {
                refused();
                break;
            }
            if (available < frameLength)
            {
                break;
            }
            // Past the frame before the handler runs: one that throws or closes does not see it again.
            final int frameIndex = index;
            index += frameLength;
            in.readIndex(index);
            if (data)
            {
                handler.onMessage(buffer, frameIndex + HEADER_LENGTH, frameLength - HEADER_LENGTH,
                    header.wrap(buffer, frameIndex));
                delivered++;
            }
            else
            {
                delivered += control(handler, buffer, frameIndex, frameLength);
            }
        }
        return delivered;
    }

    // A whole frame other than DATA, its header checked: 1 for a GAP handed to the handler, else 0.
    private int control(final MessageHandler handler, final UnsafeBuffer buffer, final int index, final int frameLength)
    {
        final int type = buffer.getByte(index + TYPE_OFFSET) & 0xFF;
        switch (type)
        {
            case FrameType.GAP:
                handler.onGap(header.wrap(buffer, index));
                return 1;
            case FrameType.HEARTBEAT:
                return 0;
            case FrameType.ERROR:
                closeConnection(ControlFrames.relayError(buffer, index, frameLength));
                return 0;
            case FrameType.CLOSE:
                closeConnection("relay closed the connection");
                return 0;
            default:
                protocolError(ErrorCode.UNEXPECTED_FRAME, FrameType.name(type) + " sent to a subscriber");
                return 0;
        }
    }

    // A frame the check refused: the relay gets the ERROR that says why.
    private void refused()
    {
        protocolError(check.errorCode(), check.errorText());
    }

    // One read from the socket (see SocketReadBuffer); an end of stream or a failed read closes the subscription.
    private int read()
    {
        final int read = in.read();
        if (read > 0)
        {
            liveness.onReceived(System.nanoTime());
        }
        else if (read == SocketReadBuffer.END_OF_STREAM)
        {
            final int truncated = in.available();
            closeConnection(truncated > 0 ? "client error " + ErrorCode.TRUNCATED_FRAME + ": connection closed " +
                truncated + " bytes into an incomplete frame" : "connection closed");
        }
        else if (read == SocketReadBuffer.READ_FAILED)
        {
            closeConnection("I/O error: " + in.readError().getMessage());
        }
        return read;
    }

    // Heartbeats to send, a frame left half written to finish, and the relay's silence. Reading drained the socket up
    // to the buffer's room, so a read that found nothing means the relay sent nothing since the last byte received,
    // however long the application took between polls.
    private void dutyCycle()
    {
        final long now = System.nanoTime();
        if (liveness.isHeartbeatDue(now) && out.pendingBytes() == 0)
        {
            liveness.onSent(now);
            putEmpty(FrameType.HEARTBEAT);
        }
        if (out.pendingBytes() > 0)
        {
            flush();
        }
        if (closed)
        {
            return;
        }
        if (liveness.isPeerSilentTooLong(now))
        {
            if (in.hasWholeFrame())
            {
                // The application is behind, not the relay: what it has not taken yet is not the relay's silence.
                liveness.onReceived(now);
            }
            else if (read() == 0 && !closed)
            {
                fail(ErrorCode.HEARTBEAT_TIMEOUT, "nothing received for " + liveness.silenceMs(now) + " ms (timeout " +
                    liveness.timeoutMs() + " ms)", null);
            }
        }
    }

    // The send buffer holds the longest ERROR behind a HEARTBEAT the socket took part of, and a new HEARTBEAT waits
    // for the last to go: a frame to send always finds room at the tail.
    private void putEmpty(final int type)
    {
        final int index = out.claimAtTail(HEADER_LENGTH);
        if (index >= 0)
        {
            out.commit(ControlFrames.putEmpty(out.buffer(), index, type));
        }
    }

    // Writes what waits to be sent, as much as the socket takes now; a failed write closes the subscription.
    private void flush()
    {
        if (out.write() == SocketWriteBuffer.WRITE_FAILED)
        {
            closeConnection("I/O error: " + out.writeError().getMessage());
        }
    }

    private void protocolError(final ErrorCode code, final String text)
    {
        fail(code, text, "client error " + code + ": " + text);
    }

    // Tells the relay what went wrong (an ERROR frame, as far as the socket takes it now), then closes.
    private void fail(final ErrorCode code, final String text, final String reason)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        final int index = out.claimAtTail(ControlFrames.errorLength(bytes));
        if (index >= 0)
        {
            out.commit(ControlFrames.putError(out.buffer(), index, code, bytes));
            flush();
        }
        closeConnection(reason != null ? reason : "client error " + code + ": " + text);
    }

    private void closeConnection(final String reason)
    {
        if (closed)
        {
            return;
        }
        closeReason = reason;
        closed = true;
        CloseHelper.quietClose(channel);
    }

    /**
     * Says goodbye to the relay (a CLOSE frame, as far as the socket takes it without blocking) and closes the
     * connection. Called from a handler, the rest of the poll delivers nothing. From the polling thread only, or once
     * it stopped polling.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closedByApplication = true;
        putEmpty(FrameType.CLOSE);
        flush();
        closeConnection("closed by the application");
    }
}
