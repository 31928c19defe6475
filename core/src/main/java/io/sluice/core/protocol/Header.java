package io.sluice.core.protocol;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

import static io.sluice.core.protocol.FrameDescriptor.*;

/**
 * A reusable view of one frame's header in a {@link DirectBuffer}: wrap, read, move on. Not thread-safe; valid
 * only during the callback it is passed to.
 */
public final class Header
{
    private DirectBuffer buffer;
    private int offset;
    private long position;

    /**
     * Points this view at a frame.
     *
     * @param buffer buffer holding the frame.
     * @param offset index of the frame's first byte.
     * @return this.
     */
    public Header wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return the whole frame length, header included. */
    public int frameLength()
    {
        return buffer.getInt(offset + LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return the frame type. */
    public int type()
    {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    /** @return the flags. */
    public int flags()
    {
        return buffer.getShort(offset + FLAGS_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** @return the stream id. */
    public int streamId()
    {
        return buffer.getInt(offset + STREAM_ID_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return the source (publisher) id. */
    public int sourceId()
    {
        return buffer.getInt(offset + SOURCE_ID_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return the source's sequence number of this frame. */
    public long sequence()
    {
        return buffer.getLong(offset + SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return the sender's epoch nanoseconds. */
    public long timestampNanos()
    {
        return buffer.getLong(offset + TIMESTAMP_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return whether the relay sent this DATA or GAP frame before, on an earlier connection of the subscription. */
    public boolean isRedelivered()
    {
        return (flags() & FLAG_REDELIVERED) != 0;
    }

    /**
     * @return the frame's position on a subscription with acknowledged delivery: the number the subscriber
     * acknowledges it by, counted from the relay's WELCOME since nothing in the frame carries it. 0 on any other
     * subscription.
     */
    public long position()
    {
        return position;
    }

    /**
     * Sets what {@link #position()} returns, for the subscription that counts the frames it delivers.
     *
     * @param position the frame's position.
     * @return this.
     */
    public Header position(final long position)
    {
        this.position = position;
        return this;
    }

    /** @return whether the payload starts with a key. */
    public boolean isKeyed()
    {
        return (flags() & FLAG_KEYED) != 0;
    }

    /** @return the key of a keyed DATA frame. */
    public long key()
    {
        return buffer.getLong(offset + HEADER_LENGTH, ByteOrder.BIG_ENDIAN);
    }

    /** @return first dropped sequence of a GAP frame. */
    public long gapFromSequence()
    {
        return buffer.getLong(offset + GAP_FROM_SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return last dropped sequence (inclusive) of a GAP frame. */
    public long gapToSequence()
    {
        return buffer.getLong(offset + GAP_TO_SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return dropped count of a GAP frame. */
    public long gapDroppedCount()
    {
        return buffer.getLong(offset + GAP_DROPPED_COUNT_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return reason code of a GAP frame. */
    public int gapReason()
    {
        return buffer.getInt(offset + GAP_REASON_OFFSET, ByteOrder.BIG_ENDIAN);
    }
}
