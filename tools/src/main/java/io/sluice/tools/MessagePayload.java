package io.sluice.tools;

import io.sluice.core.protocol.FrameDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The payload {@code produce} sends, reused for every message: the message's 0-based index (or, keyed, the index
 * modulo the number of keys) as a big-endian long in the first 8 bytes, then printable filler so that a captured
 * payload is easy to recognise.
 */
final class MessagePayload
{
    private final UnsafeBuffer buffer;
    private final int keys;

    /**
     * @param size payload bytes, at least 8.
     * @param keys the number of keys, or 0 for unkeyed messages.
     */
    MessagePayload(final int size, final int keys)
    {
        this.keys = keys;
        buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(size));
        for (int i = Long.BYTES; i < size; i++)
        {
            buffer.putByte(i, (byte)('a' + (i % 26)));
        }
    }

    UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return the frame flags the messages are sent with: keyed or none.
     */
    int flags()
    {
        return keys > 0 ? FrameDescriptor.FLAG_KEYED : 0;
    }

    /**
     * Writes message {@code index}'s number (its key when keyed) into the payload.
     */
    void number(final long index)
    {
        buffer.putLong(0, keys > 0 ? index % keys : index, ByteOrder.BIG_ENDIAN);
    }
}
