package io.sluice.client;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * The bytes a {@link DirectPublication} has framed and the socket has not taken yet, in the direct buffer the
 * channel is written from, and the non-blocking writes of them. Frames are claimed at the tail, written in place and
 * committed; the channel takes them from the head.
 * <p>
 * Status codes, not exceptions: a claim that finds no room answers {@link #NO_ROOM}, and a write the channel failed
 * answers {@link #WRITE_FAILED}, as does everything after it ({@link #writeError()} says what failed). One thread.
 */
final class SocketWriteBuffer
{
    /** No room for the frame, even after a write and a compaction: the channel does not take enough now. */
    static final int NO_ROOM = -1;
    /** A write failed: the buffer is of no further use, and {@link #writeError()} says why. */
    static final int WRITE_FAILED = -2;

    private final WritableByteChannel channel;
    private final ByteBuffer bytes;
    private final UnsafeBuffer buffer;
    private final int capacity;
    private final int writeThreshold;
    // Where claims end: the capacity, or 0 once a write failed, so that every claim takes the slow way, which says so.
    private int limit;
    // Pending bytes are [head, tail).
    private int head;
    private int tail;
    // Pending bytes at which writeIfDue next writes: a write the channel did not take whole is tried again only after
    // another writeThreshold of frames, not on every commit.
    private int writeAt;
    private IOException writeError;

    /**
     * @param channel        written without blocking: a write may take fewer bytes than are pending, or none.
     * @param capacity       bytes the buffer holds.
     * @param writeThreshold pending bytes at which {@link #writeIfDue()} writes.
     */
    SocketWriteBuffer(final WritableByteChannel channel, final int capacity, final int writeThreshold)
    {
        this.channel = channel;
        this.bytes = ByteBuffer.allocateDirect(capacity);
        this.buffer = new UnsafeBuffer(bytes);
        this.capacity = capacity;
        this.writeThreshold = writeThreshold;
        this.limit = capacity;
        this.writeAt = writeThreshold;
    }

    /**
     * Room for {@code length} bytes at the tail: there already, or made by writing, then by moving what the channel
     * did not take to the front, once that is at most a quarter of the buffer (a channel that takes a little at a
     * time would otherwise have the whole buffer copied again and again).
     *
     * @param length bytes to claim.
     * @return the index in {@link #buffer()} to write them at, then {@link #commit(int)}; else {@link #NO_ROOM} or
     * {@link #WRITE_FAILED}.
     */
    int claim(final int length)
    {
        if (tail + length <= limit)
        {
            return tail;
        }
        if (write() < 0)
        {
            return WRITE_FAILED;
        }
        final int pending = tail - head;
        if (tail + length > capacity && head > 0 && pending <= capacity >> 2)
        {
            buffer.putBytes(0, buffer, head, pending);
            head = 0;
            tail = pending;
        }
        return tail + length <= capacity ? tail : NO_ROOM;
    }

    /**
     * Room for {@code length} bytes at the tail as it is, with no write and no compaction.
     *
     * @param length bytes to claim.
     * @return the index in {@link #buffer()} to write them at, then {@link #commit(int)}; else {@link #NO_ROOM} or
     * {@link #WRITE_FAILED}.
     */
    int claimAtTail(final int length)
    {
        if (tail + length <= limit)
        {
            return tail;
        }
        return writeError == null ? NO_ROOM : WRITE_FAILED;
    }

    /**
     * Adds the bytes written at the claimed index to what is pending; writes nothing.
     *
     * @param length bytes written there: at most those claimed.
     */
    void commit(final int length)
    {
        tail += length;
    }

    /**
     * Writes when the pending bytes reached the write threshold, or, after a write the channel did not take whole,
     * another threshold's worth past what it left.
     *
     * @return as {@link #write()}; 0 when no write was due.
     */
    int writeIfDue()
    {
        return tail - head >= writeAt ? write() : 0;
    }

    /**
     * Writes what is pending, as much as the channel takes now.
     *
     * @return bytes written, 0 when nothing was pending or the channel took nothing, or {@link #WRITE_FAILED}.
     */
    int write()
    {
        if (writeError != null)
        {
            return WRITE_FAILED;
        }
        final int pending = tail - head;
        if (pending == 0)
        {
            return 0;
        }
        final ByteBuffer bytes = this.bytes;
        bytes.limit(tail).position(head);
        final int written;
        try
        {
            written = channel.write(bytes);
        }
        catch (final IOException ex)
        {
            writeError = ex;
            limit = 0;
            return WRITE_FAILED;
        }
        if (written == pending)
        {
            head = 0;
            tail = 0;
            writeAt = writeThreshold;
        }
        else
        {
            head += written;
            writeAt = pending - written + writeThreshold;
        }
        return written;
    }

    /**
     * @return bytes committed and not yet taken by the channel (a failed write leaves them counted).
     */
    int pendingBytes()
    {
        return tail - head;
    }

    /**
     * @return the buffer to write claimed frames in.
     */
    UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return what the failed write threw, or null while none failed.
     */
    IOException writeError()
    {
        return writeError;
    }
}
