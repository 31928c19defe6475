package io.sluice.spill.deadletter;

import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

import static io.sluice.spill.deadletter.DeadLetterDescriptor.*;

/**
 * A reusable read view (flyweight) over one dead-letter record laid out as {@link DeadLetterDescriptor} draws it.
 * {@link DeadLetterReader} hands the same instance to its handler for every record: it is valid only during the call.
 * The accessors read straight from the underlying bytes; only {@link #stream()} allocates (a String).
 */
public final class DeadLetterRecord
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
    private int offset;
    private int length;
    private int frameOffset;

    /**
     * Points this view at a record after checking that it is well formed: known version, a stream name of 1..255
     * bytes, and a DATA frame whose length field fills the record exactly.
     *
     * @param source holds the record.
     * @param index  first byte of the record.
     * @param length record length.
     * @return whether the record is well formed; when false the view is unusable.
     */
    public boolean wrap(final DirectBuffer source, final int index, final int length)
    {
        buffer.wrap(source, index, length);
        this.offset = 0;
        this.length = length;
        if (length < STREAM_OFFSET + 1 + FrameDescriptor.HEADER_LENGTH)
        {
            return false;
        }
        final int streamLength = buffer.getByte(STREAM_LENGTH_OFFSET) & 0xFF;
        if (buffer.getByte(VERSION_OFFSET) != VERSION || streamLength == 0)
        {
            return false;
        }
        frameOffset = DeadLetterDescriptor.frameOffset(streamLength);
        return frameOffset + FrameDescriptor.HEADER_LENGTH <= length
            && buffer.getInt(frameOffset + FrameDescriptor.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) == length - frameOffset
            && buffer.getByte(frameOffset + FrameDescriptor.TYPE_OFFSET) == FrameType.DATA;
    }

    /** @return the relay's clock when the message was dropped, epoch nanoseconds. */
    public long dropTimeNanos()
    {
        return buffer.getLong(offset + DROP_TIME_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return the drop reason code (see {@link DeadLetterDescriptor}). */
    public int reason()
    {
        return buffer.getInt(offset + REASON_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return the stream name's length in bytes. */
    public int streamLength()
    {
        return buffer.getByte(offset + STREAM_LENGTH_OFFSET) & 0xFF;
    }

    /** @return the stream name (allocates). */
    public String stream()
    {
        return buffer.getStringWithoutLengthAscii(offset + STREAM_OFFSET, streamLength());
    }

    /**
     * @param name a stream name.
     * @return whether the record's stream is {@code name}, compared without allocating.
     */
    public boolean streamEquals(final CharSequence name)
    {
        final int n = streamLength();
        if (name.length() != n)
        {
            return false;
        }
        for (int i = 0; i < n; i++)
        {
            if (buffer.getByte(offset + STREAM_OFFSET + i) != (byte)name.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    /** @return the buffer that holds the record; frame and payload offsets below are in it. */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /** @return where the frame (its header) starts in {@link #buffer()}. */
    public int frameOffset()
    {
        return offset + frameOffset;
    }

    /** @return the frame's length, header included. */
    public int frameLength()
    {
        return length - frameOffset;
    }

    /** @return the frame's flag bits ({@link FrameDescriptor#FLAG_KEYED}). */
    public int flags()
    {
        return buffer.getShort(frameOffset() + FrameDescriptor.FLAGS_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** @return the stream id the relay had assigned (not stable across relay runs). */
    public int streamId()
    {
        return buffer.getInt(frameOffset() + FrameDescriptor.STREAM_ID_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return the publishing connection's source id. */
    public int sourceId()
    {
        return buffer.getInt(frameOffset() + FrameDescriptor.SOURCE_ID_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return the message's per-source sequence number. */
    public long sequence()
    {
        return buffer.getLong(frameOffset() + FrameDescriptor.SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return the publisher's timestamp, epoch nanoseconds. */
    public long timestampNanos()
    {
        return buffer.getLong(frameOffset() + FrameDescriptor.TIMESTAMP_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @return where the payload starts in {@link #buffer()}. */
    public int payloadOffset()
    {
        return frameOffset() + FrameDescriptor.HEADER_LENGTH;
    }

    /** @return the payload's length in bytes. */
    public int payloadLength()
    {
        return frameLength() - FrameDescriptor.HEADER_LENGTH;
    }

    @Override
    public String toString()
    {
        return "DeadLetterRecord{stream=" + stream() + ", reason=" + reasonName(reason()) + ", source=" + sourceId()
            + ", sequence=" + sequence() + ", payload=" + payloadLength() + '}';
    }
}
