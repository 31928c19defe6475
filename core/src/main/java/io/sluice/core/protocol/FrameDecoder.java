package io.sluice.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.sluice.core.netty.ByteBufView;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.util.List;

import static io.sluice.core.protocol.FrameDescriptor.*;

/**
 * Splits the inbound byte stream into frames and checks every header before the body is awaited, so a bad
 * length, version, type or flag is refused as soon as its bytes arrive and nothing is allocated for an
 * oversized frame.
 * <p>
 * Emits {@link ByteBuf} slices of the inbound buffer: consecutive complete DATA frames come out as one slice
 * (a <em>run</em>), so that the next handler moves a whole read's worth of messages at once; every other frame
 * comes out alone. The receiver owns each slice and must release it, on any thread; the slice objects are reused once
 * released, so decoding allocates nothing per read in steady state. Each slice goes down the pipeline before the
 * next is cut, so {@link #discardInput()} stops the rest of a read once a handler refused a frame.
 * <p>
 * A broken header raises {@link ProtocolException}; after that the decoder discards everything, since the
 * connection is about to be closed. A connection that closes in the middle of a frame raises
 * {@link ErrorCode#TRUNCATED_FRAME}.
 */
public final class FrameDecoder extends ByteToMessageDecoder
{
    private final int maxFrameLength;
    private final RunSlicePool slices = new RunSlicePool();
    private final ByteBufView view = new ByteBufView();
    private boolean failed;

    /**
     * @param maxFrameLength the largest frame accepted, header included.
     */
    public FrameDecoder(final int maxFrameLength)
    {
        if (maxFrameLength < HEADER_LENGTH)
        {
            throw new IllegalArgumentException("maxFrameLength " + maxFrameLength + " < header length " + HEADER_LENGTH);
        }
        this.maxFrameLength = maxFrameLength;
    }

    @Override
    protected void decode(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out)
    {
        if (failed)
        {
            in.skipBytes(in.readableBytes());
            return;
        }
        try
        {
            decodeFrames(in, out);
        }
        catch (final ProtocolException ex)
        {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw ex;
        }
    }

    // Emits at most one element per call: one run of consecutive DATA frames, or one other frame. The base class
    // hands that element down the pipeline before it calls decode again for the rest, so when a handler refuses the
    // element (and ProtocolErrorHandler calls discardInput), the frames behind it are never handled.
    private void decodeFrames(final ByteBuf in, final List<Object> out)
    {
        // Every header of the read is checked: through a view of the buffer's memory, not a checked get per field.
        final DirectBuffer frames = view.wrap(in);
        final int start = in.readerIndex();
        final int end = in.writerIndex();
        int index = start;
        while (true)
        {
            final int frameLength;
            final int type;
            try
            {
                frameLength = checkHeader(frames, index, end - index);
                if (frameLength < 0 || end - index < frameLength)
                {
                    break;
                }
                type = frames.getByte(index + TYPE_OFFSET) & 0xFF;
                if (type == FrameType.DATA)
                {
                    checkDataFlags(frames, index, frameLength);
                }
            }
            catch (final ProtocolException ex)
            {
                if (index == start)
                {
                    throw ex;
                }
                // Deliver the good DATA frames before the bad one; the next call raises the error.
                break;
            }
            if (type != FrameType.DATA)
            {
                if (index == start)
                {
                    out.add(slices.take(in, index, frameLength));
                    in.readerIndex(index + frameLength);
                    return;
                }
                break;
            }
            index += frameLength;
        }
        if (index > start)
        {
            out.add(slices.take(in, start, index - start));
            in.readerIndex(index);
        }
    }

    /**
     * Drops everything buffered and everything that arrives from now on, and no longer reports a close in the middle
     * of a frame as {@link ErrorCode#TRUNCATED_FRAME}. Called on the channel's event loop when the connection is
     * being closed over an error found after this decoder, so that the frames behind the offending one are not
     * handled and the close is not counted as a second error.
     */
    public void discardInput()
    {
        failed = true;
    }

    /**
     * @return the frame length when the length field is present and the header fields present so far are
     * valid, or -1 when more bytes are needed to tell.
     */
    private int checkHeader(final DirectBuffer in, final int index, final int available)
    {
        if (available < 4)
        {
            return -1;
        }
        final int frameLength = in.getInt(index + LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
        if (frameLength > maxFrameLength || frameLength < 0)
        {
            throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE,
                "frame length " + Integer.toUnsignedString(frameLength) + " exceeds the maximum of " + maxFrameLength);
        }
        if (frameLength < HEADER_LENGTH)
        {
            throw new ProtocolException(ErrorCode.FRAME_TOO_SMALL,
                "frame length " + frameLength + " is below the header length " + HEADER_LENGTH);
        }
        if (available > VERSION_OFFSET)
        {
            final int version = in.getByte(index + VERSION_OFFSET) & 0xFF;
            if (version != VERSION)
            {
                throw new ProtocolException(ErrorCode.UNSUPPORTED_VERSION,
                    "protocol version " + version + " is not supported (this relay speaks " + VERSION + ")");
            }
        }
        if (available > TYPE_OFFSET)
        {
            final int type = in.getByte(index + TYPE_OFFSET) & 0xFF;
            if (!FrameType.isKnown(type))
            {
                throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "frame type " + type + " is not defined");
            }
        }
        if (available >= FLAGS_OFFSET + 2)
        {
            final int flags = in.getShort(index + FLAGS_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            if ((flags & ~KNOWN_FLAGS) != 0)
            {
                throw new ProtocolException(ErrorCode.BAD_FLAGS, "flags 0x" + Integer.toHexString(flags) + " set undefined bits");
            }
        }
        return available >= HEADER_LENGTH ? frameLength : -1;
    }

    private static void checkDataFlags(final DirectBuffer in, final int index, final int frameLength)
    {
        final int flags = in.getShort(index + FLAGS_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if ((flags & FLAG_KEYED) != 0 && frameLength < HEADER_LENGTH + KEY_LENGTH)
        {
            throw new ProtocolException(ErrorCode.BAD_FLAGS, "KEYED DATA frame has no room for its 8-byte key");
        }
    }

    @Override
    protected void decodeLast(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out)
    {
        int readable;
        do
        {
            readable = in.readableBytes();
            decode(ctx, in, out);
        }
        while (!failed && in.isReadable() && in.readableBytes() < readable);
        if (!failed && in.isReadable())
        {
            final int pending = in.readableBytes();
            in.skipBytes(pending);
            failed = true;
            throw new ProtocolException(ErrorCode.TRUNCATED_FRAME,
                "connection closed " + pending + " bytes into an incomplete frame");
        }
    }
}
