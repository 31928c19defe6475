package io.sluice.server;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.server.RawFrames.hello;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A misbehaving client: a plain blocking {@link Socket} that writes whatever bytes a test gives it (built with
 * {@link RawFrames}) and reads frames as docs/protocol.md lays them out. Every read is bounded by a socket timeout, so
 * a relay that never answers fails the test instead of hanging it.
 */
final class RawPeer implements AutoCloseable
{
    /** Longest a single blocking read may wait. */
    static final int READ_TIMEOUT_MS = 5_000;

    /** Largest frame this peer reads; anything bigger from the relay is a failure. */
    private static final int MAX_READ_FRAME = FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawPeer(final int port) throws IOException
    {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(READ_TIMEOUT_MS);
        socket.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MS);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** @return this end's port, as the relay's logs name the peer. */
    int localPort()
    {
        return socket.getLocalPort();
    }

    /**
     * One frame as read off the wire.
     */
    record Frame(int length, int version, int type, int flags, int streamId, int sourceId, long sequence,
        long timestamp, byte[] payload)
    {
        ErrorCode errorCode()
        {
            return ErrorCode.fromCode(ByteBuffer.wrap(payload).getInt(0));
        }

        int rawErrorCode()
        {
            return ByteBuffer.wrap(payload).getInt(0);
        }

        String errorText()
        {
            final int textLength = Math.min(ByteBuffer.wrap(payload).getShort(4) & 0xFFFF, payload.length - 6);
            return new String(payload, 6, textLength, StandardCharsets.UTF_8);
        }

        @Override
        public String toString()
        {
            final String base = FrameType.name(type) + "(length=" + length + " stream=" + streamId + " source=" +
                sourceId + " seq=" + sequence + ")";
            return type == FrameType.ERROR && payload.length >= 6 ?
                base + " " + errorCode() + ": " + errorText() : base;
        }
    }

    void send(final byte[]... chunks) throws IOException
    {
        for (final byte[] chunk : chunks)
        {
            out.write(chunk);
        }
        out.flush();
    }

    /** Sends a valid HELLO and returns the relay's WELCOME (failing on anything else). */
    Frame handshake(final int role, final String stream, final String token) throws IOException
    {
        send(hello(role, stream, "", token));
        // The relay sends nothing before its answer (protocol.md §4): the first frame is the WELCOME.
        final Frame welcome = readFrame();
        assertEquals(FrameType.WELCOME, welcome.type(), "expected WELCOME, got " + welcome);
        return welcome;
    }

    /**
     * Closes the socket outright: the relay sees EOF (or a reset, when bytes it sent are unread here).
     */
    @Override
    public void close() throws IOException
    {
        socket.close();
    }

    /**
     * Reads one whole frame.
     *
     * @throws EOFException when the relay closed the connection first.
     * @throws SocketTimeoutException when nothing arrived for {@link #READ_TIMEOUT_MS}.
     */
    Frame readFrame() throws IOException
    {
        final int length = in.readInt();
        if (length < HEADER_LENGTH || length > MAX_READ_FRAME)
        {
            fail("relay sent a frame with length " + length);
        }
        final byte[] frame = new byte[length];
        ByteBuffer.wrap(frame).putInt(length);
        in.readFully(frame, 4, length - 4);
        final ByteBuffer b = ByteBuffer.wrap(frame);
        final byte[] payload = new byte[length - HEADER_LENGTH];
        b.get(HEADER_LENGTH, payload);
        return new Frame(length, b.get(4) & 0xFF, b.get(5) & 0xFF, b.getShort(6) & 0xFFFF, b.getInt(8), b.getInt(12),
            b.getLong(16), b.getLong(24), payload);
    }

    /**
     * Reads frames until an ERROR arrives, skipping the HEARTBEAT and ACK frames the relay may send before it.
     * Fails on any other frame, on EOF before the ERROR, and when no ERROR arrived within {@code timeoutMs}.
     */
    Frame awaitError(final long timeoutMs) throws IOException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true)
        {
            final Frame frame;
            try
            {
                frame = readFrame();
            }
            catch (final SocketTimeoutException ex)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new AssertionError("no ERROR frame within " + timeoutMs + " ms", ex);
                }
                continue;
            }
            catch (final EOFException ex)
            {
                throw new AssertionError("connection closed without an ERROR frame", ex);
            }
            catch (final SocketException ex)
            {
                throw new AssertionError("connection reset without an ERROR frame: " + ex, ex);
            }
            if (frame.type() == FrameType.ERROR)
            {
                return frame;
            }
            if (frame.type() != FrameType.HEARTBEAT && frame.type() != FrameType.ACK)
            {
                fail("expected ERROR, got " + frame);
            }
            if (System.nanoTime() - deadline > 0)
            {
                fail("no ERROR frame within " + timeoutMs + " ms (only heartbeats/acks)");
            }
        }
    }

    /**
     * Asserts the relay closes the connection: the next read sees end of stream (or a reset, which is how TCP
     * reports a close while unread bytes were pending on the relay's side) without any further frame.
     */
    void assertClosedByRelay() throws IOException
    {
        final InputStream raw = in;
        final byte[] buf = new byte[256];
        int extra = 0;
        while (true)
        {
            int n;
            try
            {
                n = raw.read(buf);
            }
            catch (final SocketTimeoutException ex)
            {
                throw new AssertionError("relay did not close the connection within " + READ_TIMEOUT_MS + " ms", ex);
            }
            catch (final SocketException ex)
            {
                // "Connection reset": closed by the relay, with our bytes still unread on its side.
                n = -1;
            }
            if (n < 0)
            {
                if (extra > 0)
                {
                    fail("relay sent " + extra + " more bytes after its ERROR frame");
                }
                return;
            }
            extra += n;
        }
    }

    /**
     * Reads frames until the relay closes the connection, and returns them; fails on an ERROR frame and when the
     * connection stays open for {@link #READ_TIMEOUT_MS} without a frame.
     */
    java.util.List<Frame> readUntilClosedWithoutError() throws IOException
    {
        final java.util.List<Frame> frames = new java.util.ArrayList<>();
        while (true)
        {
            final Frame frame;
            try
            {
                frame = readFrame();
            }
            catch (final EOFException | SocketException ex)
            {
                return frames;
            }
            catch (final SocketTimeoutException ex)
            {
                throw new AssertionError("relay did not close the connection within " + READ_TIMEOUT_MS + " ms", ex);
            }
            if (frame.type() == FrameType.ERROR)
            {
                fail("relay answered with " + frame + " after " + frames);
            }
            frames.add(frame);
        }
    }
}
