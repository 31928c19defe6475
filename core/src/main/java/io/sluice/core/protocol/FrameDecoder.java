package io.sluice.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.sluice.core.netty.ByteBufView;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

import java.nio.ByteOrder;

import static io.sluice.core.protocol.FrameDescriptor.*;

/**
 * Splits the inbound byte stream into frames and checks every header before the body is awaited, so a bad
 * length, version, type or flag is refused as soon as its bytes arrive and nothing is allocated for an
 * oversized frame.
 * <p>
 * Emits {@link ByteBuf} slices of each socket read: consecutive complete DATA frames come out as one slice
 * (a <em>run</em>), so that the next handler moves a whole read's worth of messages at once; every other frame
 * comes out alone. The slices implement {@link DataRun}: the walk that cuts a run also counts its frames and notes
 * whether they come from one source in order, so the next handler need not walk it again. The receiver owns each
 * slice and must release it, on any thread; the slice objects are reused once released, so decoding allocates
 * nothing per read in steady state. Each slice goes down the pipeline before the next is cut, so
 * {@link #discardInput()} stops the rest of a read once a handler refused a frame.
 * <p>
 * Only a frame split across two reads is copied, into a buffer of its own, and emitted alone once whole. (Netty's
 * {@code ByteToMessageDecoder} would append every read behind the split frame's start instead: a copy of the whole
 * stream whenever reads do not end on a frame boundary, which at full rate is nearly every read.)
 * <p>
 * A broken header raises {@link ProtocolException} (wrapped in a {@link DecoderException}); after that the decoder
 * discards everything, since the connection is about to be closed. A connection that closes in the middle of a
 * frame raises {@link ErrorCode#TRUNCATED_FRAME}.
 */
public final class FrameDecoder extends ChannelInboundHandlerAdapter
{
    // Bytes 4 and 5 of a DATA header: version, type.
    private static final int DATA_VERSION_AND_TYPE = VERSION << 8 | FrameType.DATA;
    // checkFully: the walk stops before this frame; or it is a whole frame of another type.
    private static final int STOP = -1;
    private static final int OTHER_FRAME = -2;
    private static final boolean NATIVE_BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    // Event loop only: a relay starts with Hello.MAX_FRAME_LENGTH and raises it with its WELCOME.
    private int maxFrameLength;
    private final int acceptedFlags;
    private final RunSlicePool slices = new RunSlicePool();
    private final ByteBufView view = new ByteBufView();
    private boolean failed;
    // The start of a frame that the last read ended inside, or null.
    private ByteBuf pending;
    // Whether anything went down the pipeline since the last read batch completed.
    private boolean fired;

    /**
     * @param maxFrameLength the largest frame accepted, header included.
     */
    public FrameDecoder(final int maxFrameLength)
    {
        this(maxFrameLength, KNOWN_FLAGS);
    }

    /**
     * @param maxFrameLength the largest frame accepted, header included.
     * @param acceptedFlags the flag bits accepted: {@link FrameDescriptor#KNOWN_FLAGS} from a client (the relay's
     * decoder), {@link FrameDescriptor#RELAY_FLAGS} from the relay (a client's).
     */
    public FrameDecoder(final int maxFrameLength, final int acceptedFlags)
    {
        maxFrameLength(maxFrameLength);
        this.acceptedFlags = acceptedFlags;
    }

    /**
     * Changes the largest frame accepted from the next frame on; on the channel's event loop. A relay accepts no more
     * than {@link Hello#MAX_FRAME_LENGTH} before its WELCOME and raises the limit to its configured one with it; a
     * client starts with a limit that fits the handshake's answers and takes the relay's own from the WELCOME.
     *
     * @param maxFrameLength the largest frame accepted, header included.
     */
    public void maxFrameLength(final int maxFrameLength)
    {
        if (maxFrameLength < HEADER_LENGTH)
        {
            throw new IllegalArgumentException(
                "maxFrameLength " + maxFrameLength + " < header length " + HEADER_LENGTH);
        }
        this.maxFrameLength = maxFrameLength;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (!(msg instanceof ByteBuf))
        {
            ctx.fireChannelRead(msg);
            return;
        }
        final ByteBuf in = (ByteBuf)msg;
        try
        {
            if (failed)
            {
                return;
            }
            if (pending != null)
            {
                completePending(ctx, in);
                if (pending != null)
                {
                    return;
                }
            }
            ByteBuf next;
            while (!failed && (next = next(in)) != null)
            {
                fired = true;
                ctx.fireChannelRead(next);
            }
            if (!failed && in.isReadable())
            {
                keepPending(ctx, in);
            }
        }
        catch (final ProtocolException ex)
        {
            failed = true;
            releasePending();
            throw new DecoderException(ex);
        }
        finally
        {
            in.release();
        }
    }

    // Cuts the next element off the front of the read: one run of consecutive DATA frames, or one other frame; null
    // when the first frame is not all there yet. A bad header behind good DATA frames ends the run before it, and the
    // next call raises the error. While walking a run it notes what the next handler would otherwise walk it again
    // for (DataRun): the count, and whether the frames come from one source in sequence order.
    private ByteBuf next(final ByteBuf in)
    {
        final DirectBuffer frames = view.wrap(in);
        final int start = in.readerIndex();
        final int end = in.writerIndex();
        int index = start;
        int count = 0;
        // A run is from one source in order when every frame has the first one's stream and source ids (compared as
        // one word, as they are on the wire) and sequence first + its place; any difference sets bits in mismatch.
        // The header words are read without Agrona's bounds check per load (half the walk's time): every read below is
        // of a header lying wholly inside the read, which the available >= HEADER_LENGTH tests establish.
        final byte[] array = frames.byteArray();
        final long address = frames.addressOffset();
        final boolean headerHere = end - start >= HEADER_LENGTH;
        final long ids = headerHere ? UnsafeApi.getLong(array, address + start + STREAM_ID_OFFSET) : 0;
        final long firstSequence = headerHere ? bigEndianLong(array, address + start + SEQUENCE_OFFSET) : 0;
        long mismatch = 0;
        while (index < end)
        {
            final int available = end - index;
            int frameLength = available >= HEADER_LENGTH ?
                dataFrameLength(bigEndianLong(array, address + index + LENGTH_OFFSET)) : -1;
            if (frameLength < 0)
            {
                frameLength = checkFully(frames, index, available, index == start);
                if (frameLength == OTHER_FRAME)
                {
                    if (index == start)
                    {
                        final int otherLength = frames.getInt(index + LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
                        in.readerIndex(index + otherLength);
                        return slices.take(in, index, otherLength).describe(0, false, 0, 0, 0, 0);
                    }
                    break;
                }
                if (frameLength == STOP)
                {
                    break;
                }
            }
            else if (available < frameLength)
            {
                break;
            }
            mismatch |= (UnsafeApi.getLong(array, address + index + STREAM_ID_OFFSET) ^ ids) |
                (bigEndianLong(array, address + index + SEQUENCE_OFFSET) ^ (firstSequence + count));
            count++;
            index += frameLength;
        }
        if (index == start)
        {
            return null;
        }
        in.readerIndex(index);
        return slices.take(in, start, index - start).describe(count, mismatch == 0,
            frames.getInt(start + STREAM_ID_OFFSET, ByteOrder.BIG_ENDIAN),
            frames.getInt(start + SOURCE_ID_OFFSET, ByteOrder.BIG_ENDIAN), firstSequence, firstSequence + count - 1);
    }

    private static long bigEndianLong(final byte[] array, final long address)
    {
        final long word = UnsafeApi.getLong(array, address);
        return NATIVE_BIG_ENDIAN ? word : Long.reverseBytes(word);
    }

    /**
     * @param word the first eight bytes of a header, big-endian: length, version, type, flags.
     * @return the frame length when they are those of a well-formed DATA frame this decoder accepts, else -1 (the
     * caller then runs the full checks).
     */
    private int dataFrameLength(final long word)
    {
        final int frameLength = (int)(word >>> 32);
        final int versionTypeFlags = (int)word;
        final int minimum = (versionTypeFlags & FLAG_KEYED) != 0 ? HEADER_LENGTH + KEY_LENGTH : HEADER_LENGTH;
        // One comparison for version, type and no undefined flag bits.
        if ((versionTypeFlags & ~acceptedFlags) != DATA_VERSION_AND_TYPE << 16 || frameLength < minimum ||
            frameLength > maxFrameLength)
        {
            return -1;
        }
        return frameLength;
    }

    /**
     * The full header checks, for what {@link #dataFrameLength} did not pass: a frame of another type, a header not
     * all here yet, or a broken one.
     *
     * @return the length of a whole, good DATA frame; {@link #OTHER_FRAME} for a whole, good frame of another type;
     * {@link #STOP} when the frame is not all here, or is broken and not the first of the read (the next call raises
     * the error).
     * @throws ProtocolException when the first frame of the read is broken.
     */
    private int checkFully(final DirectBuffer frames, final int index, final int available, final boolean first)
    {
        try
        {
            final int frameLength = checkHeader(frames, index, available);
            if (frameLength < 0 || available < frameLength)
            {
                return STOP;
            }
            if ((frames.getByte(index + TYPE_OFFSET) & 0xFF) != FrameType.DATA)
            {
                return OTHER_FRAME;
            }
            checkDataFlags(frames, index, frameLength);
            return frameLength;
        }
        catch (final ProtocolException ex)
        {
            if (first)
            {
                throw ex;
            }
            return STOP;
        }
    }

    // The read ended inside a frame (whose header bytes so far were checked): copy that start into a buffer sized for
    // the whole frame when its length is known.
    private void keepPending(final ChannelHandlerContext ctx, final ByteBuf in)
    {
        final int readable = in.readableBytes();
        final int frameLength = readable >= 4 ? in.getInt(in.readerIndex() + LENGTH_OFFSET) : HEADER_LENGTH;
        pending = ctx.alloc().directBuffer(Math.max(Math.max(frameLength, HEADER_LENGTH), readable));
        pending.writeBytes(in, readable);
    }

    // Moves bytes from the read into the split frame until it is whole (then emits it) or the read is used up;
    // checks the header as its bytes arrive.
    private void completePending(final ChannelHandlerContext ctx, final ByteBuf in)
    {
        if (pending.readableBytes() < HEADER_LENGTH)
        {
            pending.writeBytes(in, Math.min(HEADER_LENGTH - pending.readableBytes(), in.readableBytes()));
            if (checkHeader(view.wrap(pending), pending.readerIndex(), pending.readableBytes()) < 0)
            {
                return;
            }
        }
        final DirectBuffer header = view.wrap(pending);
        final int frameLength = checkHeader(header, pending.readerIndex(), pending.readableBytes());
        if ((header.getByte(pending.readerIndex() + TYPE_OFFSET) & 0xFF) == FrameType.DATA)
        {
            checkDataFlags(header, pending.readerIndex(), frameLength);
        }
        final int missing = frameLength - pending.readableBytes();
        final int taken = Math.min(missing, in.readableBytes());
        pending.ensureWritable(taken);
        pending.writeBytes(in, taken);
        if (taken == missing)
        {
            final ByteBuf frame = pending;
            pending = null;
            fired = true;
            ctx.fireChannelRead(frame);
        }
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx)
    {
        // As Netty's decoders: a read that produced nothing asks for the next one when reads are not automatic.
        if (!fired && !ctx.channel().config().isAutoRead())
        {
            ctx.read();
        }
        fired = false;
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        final int truncated = failed || pending == null ? 0 : pending.readableBytes();
        releasePending();
        if (truncated > 0)
        {
            failed = true;
            ctx.fireExceptionCaught(new DecoderException(new ProtocolException(ErrorCode.TRUNCATED_FRAME,
                "connection closed " + truncated + " bytes into an incomplete frame")));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        releasePending();
    }

    private void releasePending()
    {
        if (pending != null)
        {
            pending.release();
            pending = null;
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
        releasePending();
    }

    /**
     * {@link #discardInput()} of the pipeline's decoder, if it has one.
     *
     * @param pipeline a channel's pipeline, on its event loop.
     */
    public static void discardInput(final ChannelPipeline pipeline)
    {
        final FrameDecoder decoder = pipeline.get(FrameDecoder.class);
        if (decoder != null)
        {
            decoder.discardInput();
        }
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
        int type = 0;
        if (available > TYPE_OFFSET)
        {
            type = in.getByte(index + TYPE_OFFSET) & 0xFF;
            if (!FrameType.isKnown(type))
            {
                throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "frame type " + type + " is not defined");
            }
            if (FrameType.isHeaderOnly(type) && frameLength != HEADER_LENGTH)
            {
                throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE, FrameType.name(type) + " frame length " +
                    frameLength + " exceeds the maximum of " + HEADER_LENGTH + ": a " + FrameType.name(type) +
                    " has no payload");
            }
        }
        if (available >= FLAGS_OFFSET + 2)
        {
            final String wrong = FlagRules.violation(
                in.getShort(index + FLAGS_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF, type, acceptedFlags);
            if (wrong != null)
            {
                throw new ProtocolException(ErrorCode.BAD_FLAGS, wrong);
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
}
