package io.sluice.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static io.sluice.core.protocol.FrameDescriptor.*;

/**
 * Writes and reads frame headers in a {@link ByteBuf} at absolute indices, and writes them in a
 * {@link MutableDirectBuffer} ({@link #putHeader}). Stateless and allocation-free, apart from the control-frame
 * factories that allocate the frame they return.
 */
public final class Frames
{
    /**
     * GAP payload: from sequence (int64), to sequence inclusive (int64), dropped count (int64), reason (int32),
     * reserved (int32).
     */
    public static final int GAP_PAYLOAD_LENGTH = 32;
    /**
     * WELCOME payload: heartbeat interval ms (int32), heartbeat timeout ms (int32), max frame length (int32),
     * reserved (int32).
     */
    public static final int WELCOME_PAYLOAD_LENGTH = 16;
    /**
     * WELCOME payload to an acknowledging subscriber: the above, then window messages (int32), window bytes (int32)
     * and redelivered-through position (int64).
     */
    public static final int ACKNOWLEDGED_WELCOME_PAYLOAD_LENGTH = WELCOME_PAYLOAD_LENGTH + 16;
    /** Longest error text, in bytes. */
    public static final int MAX_ERROR_TEXT_LENGTH = 1024;

    private Frames()
    {
    }

    /**
     * Writes a header at the writer index and advances it past the header.
     *
     * @param out destination.
     * @param frameLength whole frame length, header included.
     * @param type frame type.
     * @param flags flag bits.
     * @param streamId stream id.
     * @param sourceId source id.
     * @param sequence sequence number.
     * @param timestampNanos sender's epoch time in nanoseconds.
     */
    public static void writeHeader(
        final ByteBuf out,
        final int frameLength,
        final int type,
        final int flags,
        final int streamId,
        final int sourceId,
        final long sequence,
        final long timestampNanos)
    {
        out.ensureWritable(HEADER_LENGTH);
        final int index = out.writerIndex();
        out.setInt(index + LENGTH_OFFSET, frameLength);
        out.setByte(index + VERSION_OFFSET, VERSION);
        out.setByte(index + TYPE_OFFSET, type);
        out.setShort(index + FLAGS_OFFSET, flags);
        out.setInt(index + STREAM_ID_OFFSET, streamId);
        out.setInt(index + SOURCE_ID_OFFSET, sourceId);
        out.setLong(index + SEQUENCE_OFFSET, sequence);
        out.setLong(index + TIMESTAMP_OFFSET, timestampNanos);
        out.writerIndex(index + HEADER_LENGTH);
    }

    /**
     * Writes a header at {@code index} of {@code buffer}, the same bytes as
     * {@link #writeHeader(ByteBuf, int, int, int, int, int, long, long)}: every field big-endian, the version
     * {@link FrameDescriptor#VERSION}. The stores are plain, in field order: a caller handing the frame to another
     * thread publishes it afterwards with its own ordered store (a log's or ring's commit), never through this
     * frame's length field.
     *
     * @param buffer destination, with {@link FrameDescriptor#HEADER_LENGTH} bytes from {@code index}.
     * @param index where the frame starts.
     * @param frameLength whole frame length, header included.
     * @param type frame type.
     * @param flags flag bits (the low 16 are written).
     * @param streamId stream id.
     * @param sourceId source id.
     * @param sequence sequence number.
     * @param timestampNanos sender's epoch time in nanoseconds.
     */
    public static void putHeader(
        final MutableDirectBuffer buffer,
        final int index,
        final int frameLength,
        final int type,
        final int flags,
        final int streamId,
        final int sourceId,
        final long sequence,
        final long timestampNanos)
    {
        buffer.putInt(index + LENGTH_OFFSET, frameLength, ByteOrder.BIG_ENDIAN);
        buffer.putByte(index + VERSION_OFFSET, (byte)VERSION);
        buffer.putByte(index + TYPE_OFFSET, (byte)type);
        buffer.putShort(index + FLAGS_OFFSET, (short)flags, ByteOrder.BIG_ENDIAN);
        buffer.putInt(index + STREAM_ID_OFFSET, streamId, ByteOrder.BIG_ENDIAN);
        buffer.putInt(index + SOURCE_ID_OFFSET, sourceId, ByteOrder.BIG_ENDIAN);
        buffer.putLong(index + SEQUENCE_OFFSET, sequence, ByteOrder.BIG_ENDIAN);
        buffer.putLong(index + TIMESTAMP_OFFSET, timestampNanos, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @param frames whole frames, back to back.
     * @param from index of the first frame.
     * @param to index after the last frame.
     * @return how many frames lie in {@code [from, to)}.
     */
    public static int count(final ByteBuf frames, final int from, final int to)
    {
        int count = 0;
        for (int index = from; index < to; index += frames.getInt(index + LENGTH_OFFSET))
        {
            count++;
        }
        return count;
    }

    /**
     * As {@link #count(ByteBuf, int, int)}, over a view of the buffer's memory (see
     * {@link io.sluice.core.netty.ByteBufView}): no reference-count or bounds check per frame.
     *
     * @param frames whole frames, back to back.
     * @param from index of the first frame.
     * @param to index after the last frame.
     * @return how many frames lie in {@code [from, to)}.
     */
    public static int count(final DirectBuffer frames, final int from, final int to)
    {
        int count = 0;
        for (int index = from; index < to; index += frames.getInt(index + LENGTH_OFFSET, ByteOrder.BIG_ENDIAN))
        {
            count++;
        }
        return count;
    }

    /**
     * @param frames whole frames between the reader and writer index.
     * @return how many frames are readable.
     */
    public static int count(final ByteBuf frames)
    {
        return count(frames, frames.readerIndex(), frames.writerIndex());
    }

    /**
     * @param frames whole frames between the reader and writer index.
     * @param type a {@link FrameType}.
     * @return how many of the readable frames are of {@code type}.
     */
    public static int count(final ByteBuf frames, final int type)
    {
        int count = 0;
        final int end = frames.writerIndex();
        for (int index = frames.readerIndex(); index < end; index += frames.getInt(index + LENGTH_OFFSET))
        {
            if (frames.getUnsignedByte(index + TYPE_OFFSET) == type)
            {
                count++;
            }
        }
        return count;
    }

    /** @return the frame length at {@code index}. */
    public static int frameLength(final ByteBuf buf, final int index)
    {
        return buf.getInt(index + LENGTH_OFFSET);
    }

    /** @return the frame type at {@code index}. */
    public static int type(final ByteBuf buf, final int index)
    {
        return buf.getUnsignedByte(index + TYPE_OFFSET);
    }

    /** @return the flags at {@code index}. */
    public static int flags(final ByteBuf buf, final int index)
    {
        return buf.getUnsignedShort(index + FLAGS_OFFSET);
    }

    /** @return the stream id at {@code index}. */
    public static int streamId(final ByteBuf buf, final int index)
    {
        return buf.getInt(index + STREAM_ID_OFFSET);
    }

    /** @return the source id at {@code index}. */
    public static int sourceId(final ByteBuf buf, final int index)
    {
        return buf.getInt(index + SOURCE_ID_OFFSET);
    }

    /** @return the sequence at {@code index}. */
    public static long sequence(final ByteBuf buf, final int index)
    {
        return buf.getLong(index + SEQUENCE_OFFSET);
    }

    /** @return the timestamp at {@code index}. */
    public static long timestamp(final ByteBuf buf, final int index)
    {
        return buf.getLong(index + TIMESTAMP_OFFSET);
    }

    /**
     * @param alloc allocator.
     * @param hello the hello to send.
     * @param timestampNanos sender's clock.
     * @return a HELLO frame.
     */
    public static ByteBuf hello(final ByteBufAllocator alloc, final Hello hello, final long timestampNanos)
    {
        final ByteBuf out = alloc.buffer(HEADER_LENGTH + 64);
        out.writerIndex(HEADER_LENGTH);
        hello.writePayload(out);
        final int length = out.writerIndex();
        out.writerIndex(0);
        writeHeader(out, length, FrameType.HELLO, 0, 0, 0, 0, timestampNanos);
        out.writerIndex(length);
        return out;
    }

    /**
     * @return a WELCOME frame.
     */
    public static ByteBuf welcome(
        final ByteBufAllocator alloc,
        final int streamId,
        final int sourceId,
        final long nextSequence,
        final int heartbeatIntervalMs,
        final int heartbeatTimeoutMs,
        final int maxFrameLength,
        final long timestampNanos)
    {
        final int length = HEADER_LENGTH + WELCOME_PAYLOAD_LENGTH;
        final ByteBuf out = alloc.buffer(length);
        writeHeader(out, length, FrameType.WELCOME, 0, streamId, sourceId, nextSequence, timestampNanos);
        out.writeInt(heartbeatIntervalMs);
        out.writeInt(heartbeatTimeoutMs);
        out.writeInt(maxFrameLength);
        out.writeInt(0);
        return out;
    }

    /**
     * @param firstPosition the position of the first DATA or GAP frame the relay will send (the header's sequence).
     * @param windowMessages messages that may be sent and not acknowledged.
     * @param windowBytes bytes of frames that may be sent and not acknowledged.
     * @param redeliveredThrough frames up to this position were sent before and are sent again, flagged
     * {@link FrameDescriptor#FLAG_REDELIVERED}; below {@code firstPosition} when there are none.
     * @return a WELCOME frame for a subscriber that asked for acknowledged delivery.
     */
    public static ByteBuf acknowledgedWelcome(
        final ByteBufAllocator alloc,
        final int streamId,
        final long firstPosition,
        final int heartbeatIntervalMs,
        final int heartbeatTimeoutMs,
        final int maxFrameLength,
        final int windowMessages,
        final int windowBytes,
        final long redeliveredThrough,
        final long timestampNanos)
    {
        final int length = HEADER_LENGTH + ACKNOWLEDGED_WELCOME_PAYLOAD_LENGTH;
        final ByteBuf out = alloc.buffer(length);
        writeHeader(out, length, FrameType.WELCOME, 0, streamId, 0, firstPosition, timestampNanos);
        out.writeInt(heartbeatIntervalMs);
        out.writeInt(heartbeatTimeoutMs);
        out.writeInt(maxFrameLength);
        out.writeInt(0);
        out.writeInt(windowMessages);
        out.writeInt(windowBytes);
        out.writeLong(redeliveredThrough);
        return out;
    }

    /** @return the window in messages an acknowledged WELCOME frame at {@code index} grants. */
    public static int welcomeWindowMessages(final ByteBuf buf, final int index)
    {
        return buf.getInt(index + HEADER_LENGTH + 16);
    }

    /** @return the window in bytes an acknowledged WELCOME frame at {@code index} grants. */
    public static int welcomeWindowBytes(final ByteBuf buf, final int index)
    {
        return buf.getInt(index + HEADER_LENGTH + 20);
    }

    /** @return the last position an acknowledged WELCOME frame at {@code index} says is delivered again. */
    public static long welcomeRedeliveredThrough(final ByteBuf buf, final int index)
    {
        return buf.getLong(index + HEADER_LENGTH + 24);
    }

    /** @return the heartbeat interval a WELCOME frame at {@code index} announces. */
    public static int welcomeHeartbeatIntervalMs(final ByteBuf buf, final int index)
    {
        return buf.getInt(index + HEADER_LENGTH);
    }

    /** @return the heartbeat timeout a WELCOME frame at {@code index} announces. */
    public static int welcomeHeartbeatTimeoutMs(final ByteBuf buf, final int index)
    {
        return buf.getInt(index + HEADER_LENGTH + 4);
    }

    /** @return the max frame length a WELCOME frame at {@code index} announces. */
    public static int welcomeMaxFrameLength(final ByteBuf buf, final int index)
    {
        return buf.getInt(index + HEADER_LENGTH + 8);
    }

    /**
     * Writes a header-only frame (ACK, HEARTBEAT, CLOSE) at the writer index.
     */
    public static void writeEmpty(
        final ByteBuf out,
        final int type,
        final int streamId,
        final int sourceId,
        final long sequence,
        final long timestampNanos)
    {
        writeHeader(out, HEADER_LENGTH, type, 0, streamId, sourceId, sequence, timestampNanos);
    }

    /**
     * @return a header-only frame (ACK, HEARTBEAT, CLOSE).
     */
    public static ByteBuf empty(
        final ByteBufAllocator alloc, final int type, final int streamId, final int sourceId, final long sequence,
        final long timestampNanos)
    {
        final ByteBuf out = alloc.buffer(HEADER_LENGTH);
        writeEmpty(out, type, streamId, sourceId, sequence, timestampNanos);
        return out;
    }

    /**
     * Writes a GAP frame at the writer index: {@code droppedCount} messages of {@code sourceId} with sequences in
     * {@code [fromSequence, toSequence]} were dropped for {@code reason}.
     */
    public static void writeGap(
        final ByteBuf out,
        final int streamId,
        final int sourceId,
        final long fromSequence,
        final long toSequence,
        final long droppedCount,
        final int reason,
        final long timestampNanos)
    {
        writeHeader(out, HEADER_LENGTH + GAP_PAYLOAD_LENGTH, FrameType.GAP, 0, streamId, sourceId, fromSequence,
            timestampNanos);
        out.writeLong(fromSequence);
        out.writeLong(toSequence);
        out.writeLong(droppedCount);
        out.writeInt(reason);
        out.writeInt(0);
    }

    /** @return the first dropped sequence of a GAP frame at {@code index}. */
    public static long gapFromSequence(final ByteBuf buf, final int index)
    {
        return buf.getLong(index + GAP_FROM_SEQUENCE_OFFSET);
    }

    /** @return the last dropped sequence (inclusive) of a GAP frame at {@code index}. */
    public static long gapToSequence(final ByteBuf buf, final int index)
    {
        return buf.getLong(index + GAP_TO_SEQUENCE_OFFSET);
    }

    /** @return the dropped count of a GAP frame at {@code index}. */
    public static long gapDroppedCount(final ByteBuf buf, final int index)
    {
        return buf.getLong(index + GAP_DROPPED_COUNT_OFFSET);
    }

    /** @return the reason code of a GAP frame at {@code index}. */
    public static int gapReason(final ByteBuf buf, final int index)
    {
        return buf.getInt(index + GAP_REASON_OFFSET);
    }

    /**
     * @param alloc allocator.
     * @param code what was wrong.
     * @param text a text naming the offending value; cut to {@value #MAX_ERROR_TEXT_LENGTH} bytes.
     * @param timestampNanos sender's clock.
     * @return an ERROR frame: code (int32), text length (uint16), UTF-8 text.
     */
    public static ByteBuf error(
        final ByteBufAllocator alloc, final ErrorCode code, final String text, final long timestampNanos)
    {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_ERROR_TEXT_LENGTH)
        {
            bytes = java.util.Arrays.copyOf(bytes, MAX_ERROR_TEXT_LENGTH);
        }
        final int length = HEADER_LENGTH + 6 + bytes.length;
        final ByteBuf out = alloc.buffer(length);
        writeHeader(out, length, FrameType.ERROR, 0, 0, 0, 0, timestampNanos);
        out.writeInt(code.code());
        out.writeShort(bytes.length);
        out.writeBytes(bytes);
        return out;
    }

    /** @return the error code of an ERROR frame at {@code index}; {@link ErrorCode#INTERNAL} when unknown or absent. */
    public static ErrorCode errorCode(final ByteBuf buf, final int index)
    {
        return ErrorCode.fromCode(errorCodeValue(buf, index));
    }

    /**
     * @return the code of an ERROR frame at {@code index} as sent, unknown codes included; -1 when the payload is too
     * short to hold one (a peer's frame is read leniently, protocol.md §3.6).
     */
    public static int errorCodeValue(final ByteBuf buf, final int index)
    {
        return frameLength(buf, index) < HEADER_LENGTH + 4 ? -1 : buf.getInt(index + HEADER_LENGTH);
    }

    /** @return the text of an ERROR frame at {@code index}, or what is wrong with the frame. */
    public static String errorText(final ByteBuf buf, final int index)
    {
        final int frameLength = frameLength(buf, index);
        if (frameLength < HEADER_LENGTH + 6)
        {
            return "(ERROR frame without text)";
        }
        final int textLength = Math.min(
            buf.getUnsignedShort(index + HEADER_LENGTH + 4), frameLength - HEADER_LENGTH - 6);
        return buf.toString(index + HEADER_LENGTH + 6, textLength, StandardCharsets.UTF_8);
    }
}
