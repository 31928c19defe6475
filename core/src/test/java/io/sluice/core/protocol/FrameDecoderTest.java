package io.sluice.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the decoder splits a byte stream: runs of DATA frames, control frames alone, bytes arriving in any pieces,
 * and errors raised as soon as a header field is wrong.
 */
class FrameDecoderTest
{
    private static ByteBuf data(final long sequence, final int payload)
    {
        final ByteBuf buf = Unpooled.buffer();
        Frames.writeHeader(buf, FrameDescriptor.HEADER_LENGTH + payload, FrameType.DATA, 0, 1, 1, sequence, 0);
        buf.writeZero(payload);
        return buf;
    }

    private static List<ByteBuf> readAll(final EmbeddedChannel channel)
    {
        final List<ByteBuf> out = new ArrayList<>();
        ByteBuf msg;
        while ((msg = channel.readInbound()) != null)
        {
            out.add(msg);
        }
        return out;
    }

    private static int frames(final ByteBuf run)
    {
        int n = 0;
        for (int i = run.readerIndex(); i < run.writerIndex(); i += Frames.frameLength(run, i))
        {
            n++;
        }
        return n;
    }

    @Test
    void consecutiveDataFramesComeOutAsOneRunAndControlFramesAlone()
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        final ByteBuf bytes = Unpooled.buffer();
        for (int i = 0; i < 3; i++)
        {
            bytes.writeBytes(data(i, 8));
        }
        Frames.writeEmpty(bytes, FrameType.HEARTBEAT, 0, 0, 0, 0);
        bytes.writeBytes(data(3, 16));
        channel.writeInbound(bytes);

        final List<ByteBuf> out = readAll(channel);
        assertEquals(3, out.size());
        assertEquals(3, frames(out.get(0)));
        assertEquals(FrameType.HEARTBEAT, Frames.type(out.get(1), out.get(1).readerIndex()));
        assertEquals(1, frames(out.get(2)));
        assertEquals(3, Frames.sequence(out.get(2), out.get(2).readerIndex()));
        out.forEach(ByteBuf::release);
        assertFalse(channel.finish());
    }

    private static ByteBuf data(final int streamId, final int sourceId, final long sequence, final int flags)
    {
        final ByteBuf buf = Unpooled.buffer();
        final int length = FrameDescriptor.HEADER_LENGTH + FrameDescriptor.KEY_LENGTH;
        Frames.writeHeader(buf, length, FrameType.DATA, flags, streamId, sourceId, sequence, 0);
        buf.writeZero(FrameDescriptor.KEY_LENGTH);
        return buf;
    }

    private static DataRun decodeOneRun(final ByteBuf... frames)
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        channel.writeInbound(Unpooled.wrappedBuffer(frames));
        final List<ByteBuf> out = readAll(channel);
        assertEquals(1, out.size());
        final ByteBuf run = out.get(0);
        assertEquals(frames.length, frames(run));
        final DataRun cut = assertInstanceOf(DataRun.class, run);
        // Read out before the release: the slice is reused once released.
        final DataRun copy = new Described(cut.frameCount(), cut.isOneSourceInOrder(), cut.streamId(), cut.sourceId(),
            cut.firstSequence(), cut.lastSequence());
        run.release();
        assertFalse(channel.finish());
        return copy;
    }

    private record Described(int frameCount, boolean isOneSourceInOrder, int streamId, int sourceId,
        long firstSequence, long lastSequence) implements DataRun
    {
    }

    @Test
    void aRunTellsItsCountAndWhetherItsFramesComeFromOneSourceInOrder()
    {
        final DataRun inOrder = decodeOneRun(data(7, 9, 41, 0), data(7, 9, 42, FrameDescriptor.FLAG_KEYED),
            data(7, 9, 43, 0));
        assertEquals(new Described(3, true, 7, 9, 41, 43), inOrder);

        final DataRun single = decodeOneRun(data(7, 9, 5, 0));
        assertEquals(new Described(1, true, 7, 9, 5, 5), single);

        assertFalse(decodeOneRun(data(7, 9, 41, 0), data(7, 9, 43, 0)).isOneSourceInOrder(), "a sequence skipped");
        assertFalse(decodeOneRun(data(7, 9, 41, 0), data(7, 9, 41, 0)).isOneSourceInOrder(), "a sequence repeated");
        assertFalse(decodeOneRun(data(7, 9, 41, 0), data(8, 9, 42, 0)).isOneSourceInOrder(), "another stream");
        assertFalse(decodeOneRun(data(7, 9, 41, 0), data(7, 8, 42, 0)).isOneSourceInOrder(), "another source");
        final DataRun laterFrameOff = decodeOneRun(data(7, 9, 1, 0), data(7, 9, 2, 0), data(7, 9, 3, 0),
            data(7, 10, 4, 0));
        assertFalse(laterFrameOff.isOneSourceInOrder());
        assertEquals(4, laterFrameOff.frameCount());
        assertEquals(1, laterFrameOff.firstSequence());
    }

    @Test
    void framesSplitAcrossReadsAtEveryByteArriveWhole()
    {
        final ByteBuf all = Unpooled.buffer();
        for (int i = 0; i < 5; i++)
        {
            all.writeBytes(data(i, 3 + i));
        }
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        while (all.isReadable())
        {
            channel.writeInbound(all.readRetainedSlice(1));
        }
        all.release();
        long next = 0;
        for (final ByteBuf run : readAll(channel))
        {
            for (int i = run.readerIndex(); i < run.writerIndex(); i += Frames.frameLength(run, i))
            {
                assertEquals(next++, Frames.sequence(run, i));
            }
            run.release();
        }
        assertEquals(5, next);
        assertFalse(channel.finish());
    }

    @Test
    void oversizedLengthIsRefusedFromItsFourBytesAlone()
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        final ByteBuf length = Unpooled.buffer().writeInt(1025);
        final DecoderException ex = assertThrows(DecoderException.class, () -> channel.writeInbound(length));
        final ProtocolException cause = (ProtocolException)ex.getCause();
        assertEquals(ErrorCode.FRAME_TOO_LARGE, cause.code());
        assertTrue(cause.getMessage().contains("1025"), cause.getMessage());
        assertNull(channel.readInbound());
        channel.finishAndReleaseAll();
    }

    @Test
    void aLimitRaisedOnTheFirstFrameAppliesToTheNextFrameOfTheSameRead()
    {
        // As a relay's decoder: the largest HELLO until the handler of the first frame raises the limit (its WELCOME).
        final FrameDecoder decoder = new FrameDecoder(Hello.MAX_FRAME_LENGTH);
        final List<ByteBuf> out = new ArrayList<>();
        final EmbeddedChannel channel = new EmbeddedChannel(decoder, new io.netty.channel.ChannelInboundHandlerAdapter()
        {
            @Override
            public void channelRead(final io.netty.channel.ChannelHandlerContext ctx, final Object msg)
            {
                decoder.maxFrameLength(64 * 1024);
                out.add((ByteBuf)msg);
            }
        });
        final ByteBuf bytes = Unpooled.buffer();
        Frames.writeEmpty(bytes, FrameType.HEARTBEAT, 0, 0, 0, 0);
        bytes.writeBytes(data(0, 32 * 1024));
        channel.writeInbound(bytes);
        assertEquals(2, out.size());
        assertEquals(32 * 1024 + FrameDescriptor.HEADER_LENGTH, out.get(1).readableBytes());
        out.forEach(ByteBuf::release);
        assertFalse(channel.finish());
    }

    @Test
    void aFrameLargerThanTheLimitBeforeItIsRaisedIsRefusedFromItsLength()
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(Hello.MAX_FRAME_LENGTH));
        final ByteBuf length = Unpooled.buffer().writeInt(Hello.MAX_FRAME_LENGTH + 1);
        final DecoderException ex = assertThrows(DecoderException.class, () -> channel.writeInbound(length));
        assertEquals(ErrorCode.FRAME_TOO_LARGE, ((ProtocolException)ex.getCause()).code());
        assertTrue(ex.getCause().getMessage().contains("maximum of " + Hello.MAX_FRAME_LENGTH), ex.getMessage());
        channel.finishAndReleaseAll();
    }

    @Test
    void theLargestHelloIsComputedFromItsLayout()
    {
        final String longest = "n".repeat(Hello.MAX_NAME_LENGTH);
        final ByteBuf frame = Frames.hello(Unpooled.buffer().alloc(), Hello.acknowledgingSubscriber(longest, longest,
            "t".repeat(Hello.MAX_TOKEN_LENGTH), 1, 1), 0);
        assertEquals(Hello.MAX_FRAME_LENGTH, frame.readableBytes());
        assertEquals(1582, Hello.MAX_FRAME_LENGTH, "protocol.md gives this number");
        frame.release();
    }

    @Test
    void badVersionIsRefusedBeforeTheRestOfTheHeaderArrives()
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        final ByteBuf start = Unpooled.buffer().writeInt(40).writeByte(9);
        final DecoderException ex = assertThrows(DecoderException.class, () -> channel.writeInbound(start));
        assertEquals(ErrorCode.UNSUPPORTED_VERSION, ((ProtocolException)ex.getCause()).code());
        channel.finishAndReleaseAll();
    }

    @Test
    void goodFramesBeforeABadOneAreDeliveredFirst()
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        final ByteBuf bytes = Unpooled.buffer();
        bytes.writeBytes(data(0, 8));
        bytes.writeBytes(data(1, 8));
        bytes.writeInt(16).writeByte(FrameDescriptor.VERSION).writeByte(FrameType.DATA);
        final DecoderException ex = assertThrows(DecoderException.class, () -> channel.writeInbound(bytes));
        assertEquals(ErrorCode.FRAME_TOO_SMALL, ((ProtocolException)ex.getCause()).code());
        final List<ByteBuf> out = readAll(channel);
        assertEquals(1, out.size());
        assertEquals(2, frames(out.get(0)));
        out.forEach(ByteBuf::release);
        channel.finishAndReleaseAll();
    }

    @Test
    void closeInTheMiddleOfAFrameIsATruncatedFrame()
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        final ByteBuf half = data(0, 40);
        half.writerIndex(50);
        channel.writeInbound(half);
        final DecoderException ex = assertThrows(DecoderException.class, channel::finish);
        assertEquals(ErrorCode.TRUNCATED_FRAME, ((ProtocolException)ex.getCause()).code());
        channel.finishAndReleaseAll();
    }

    @Test
    void helloRoundTripsAndRefusesBadNames()
    {
        final Hello hello = new Hello(Role.SUBSCRIBER, "prices.eu-1", "durable_A", "token");
        final ByteBuf frame = Frames.hello(Unpooled.buffer().alloc(), hello, 42);
        assertEquals(hello, Hello.parse(frame));
        frame.release();
        assertThrows(IllegalArgumentException.class, () -> new Hello(Role.PUBLISHER, "bad name", "", ""));
        assertThrows(IllegalArgumentException.class, () -> new Hello(Role.PUBLISHER, "", "", ""));
    }
}
