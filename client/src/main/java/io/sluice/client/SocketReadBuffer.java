package io.sluice.client;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;

import static io.sluice.core.protocol.FrameDescriptor.LENGTH_OFFSET;

/**
 * The bytes a direct connection ({@link DirectSubscription}, {@link DirectPublication}) has read from its socket and
 * not yet handled, in the direct buffer the channel is read into, and the non-blocking reads of them. What was read
 * and not handled lies in [{@link #readIndex()}, {@link #writeIndex()}) of {@link #buffer()}, where the frames are
 * handled in place; the reader moves the read index past each frame it is done with.
 * <p>
 * A read starts at the front again once everything was handled, and moves what is left (the start of a frame) to the
 * front when the room behind it is under half the buffer. A buffer of at least twice the largest frame so always has
 * room for the rest of a frame, once it is read only when no whole frame waits; a frame longer than that is for the
 * reader to refuse, as soon as its length is here.
 * <p>
 * Status codes, not exceptions: a read that finds the stream ended answers {@link #END_OF_STREAM}, one the channel
 * failed answers {@link #READ_FAILED}, as does every read after it ({@link #readError()} says what failed). One
 * thread.
 */
final class SocketReadBuffer
{
    /** The channel reached the end of its stream: the peer closed the connection. */
    static final int END_OF_STREAM = -1;
    /** A read failed: {@link #readError()} says why. */
    static final int READ_FAILED = -2;

    private final ReadableByteChannel channel;
    private final ByteBuffer bytes;
    private final UnsafeBuffer buffer;
    private final int capacity;
    private int readIndex;
    private int writeIndex;
    private IOException readError;

    /**
     * @param channel read without blocking: a read may give fewer bytes than there is room for, or none.
     * @param bytes   a direct buffer, its whole capacity used; the bytes before its position were read already (what
     *                came with the handshake) and are the first to handle.
     */
    SocketReadBuffer(final ReadableByteChannel channel, final ByteBuffer bytes)
    {
        this.channel = channel;
        this.bytes = bytes;
        this.buffer = new UnsafeBuffer(bytes);
        this.capacity = bytes.capacity();
        this.readIndex = 0;
        this.writeIndex = bytes.position();
    }

    /**
     * One read from the channel into the room behind what is buffered; first starts at the front again when nothing
     * is left, or moves what is left to the front when that room is under half the buffer.
     *
     * @return bytes read, 0 when the channel had none, {@link #END_OF_STREAM} or {@link #READ_FAILED}.
     */
    int read()
    {
        if (readError != null)
        {
            return READ_FAILED;
        }
        final ByteBuffer bytes = this.bytes;
        if (readIndex == writeIndex)
        {
            readIndex = 0;
            writeIndex = 0;
        }
        else if (capacity - writeIndex < capacity >> 1)
        {
            bytes.limit(writeIndex).position(readIndex);
            bytes.compact();
            writeIndex -= readIndex;
            readIndex = 0;
        }
        bytes.limit(capacity).position(writeIndex);
        final int read;
        try
        {
            read = channel.read(bytes);
        }
        catch (final IOException ex)
        {
            readError = ex;
            return READ_FAILED;
        }
        if (read > 0)
        {
            writeIndex += read;
            return read;
        }
        return read < 0 ? END_OF_STREAM : 0;
    }

    /**
     * @return whether a whole frame waits at the read index (or one whose length field is negative).
     */
    boolean hasWholeFrame()
    {
        final int available = writeIndex - readIndex;
        return available >= 4 && available >= buffer.getInt(readIndex + LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @return where the bytes read and not handled start.
     */
    int readIndex()
    {
        return readIndex;
    }

    /**
     * Marks the bytes before {@code index} handled: the next read may overwrite them.
     *
     * @param index at most {@link #writeIndex()}.
     */
    void readIndex(final int index)
    {
        readIndex = index;
    }

    /**
     * @return where the bytes read end.
     */
    int writeIndex()
    {
        return writeIndex;
    }

    /**
     * @return bytes read and not handled.
     */
    int available()
    {
        return writeIndex - readIndex;
    }

    /**
     * @return the bytes the buffer holds.
     */
    int capacity()
    {
        return capacity;
    }

    /**
     * @return the buffer the frames lie in.
     */
    UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return what the failed read threw, or null while none failed.
     */
    IOException readError()
    {
        return readError;
    }
}
