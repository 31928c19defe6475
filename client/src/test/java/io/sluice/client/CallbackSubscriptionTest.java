package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.netty.ProtocolErrorHandler;
import io.sluice.core.netty.Transports;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Header;
import io.sluice.core.util.RateLimitedLogger;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The callback subscription over an EmbeddedChannel with the client's decoder and error handler: each message of a
 * read goes to the handler in place, in order, then one batch end per read; GAP notices too; a handler that closes the
 * subscription gets nothing more; one that throws closes the connection and is named in the reason.
 */
class CallbackSubscriptionTest
{
    private final List<String> events = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private CallbackSubscription subscription;
    private RuntimeException failWith;
    private int closeAfter = -1;
    private long readAddress;
    private boolean inPlace = true;

    private final MessageHandler handler = new MessageHandler()
    {
        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            if (readAddress != 0 && buffer.addressOffset() + offset < readAddress)
            {
                inPlace = false;
            }
            events.add("message " + header.sequence() + " " + length + " " + buffer.getByte(offset));
            if (failWith != null)
            {
                throw failWith;
            }
            if (events.size() == closeAfter)
            {
                subscription.close();
            }
        }

        @Override
        public void onGap(final Header header)
        {
            events.add("gap " + header.gapFromSequence() + ".." + header.gapToSequence());
        }

        @Override
        public void onBatchEnd()
        {
            events.add("end");
        }
    };

    @BeforeEach
    void welcome()
    {
        subscription = new CallbackSubscription("prices", channel, handler, c -> {});
        final RateLimitedLogger warnings = new RateLimitedLogger(LoggerFactory.getLogger("test"), 1);
        channel.pipeline().addLast(new FrameDecoder(ConnectionHandler.HANDSHAKE_MAX_FRAME_LENGTH),
            subscription.handler(), new ProtocolErrorHandler("client", warnings, (c, n) -> {}));
        channel.writeInbound(Frames.welcome(ByteBufAllocator.DEFAULT, 1, 0, 0, 1000, 10_000,
            FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 0));
        assertTrue(subscription.isConnected());
    }

    @AfterEach
    void finish()
    {
        channel.finishAndReleaseAll();
    }

    // One read from the socket holding `count` DATA frames of `length` bytes (each filled with its sequence).
    private static ByteBuf read(final long firstSequence, final int count, final int length)
    {
        final ByteBuf read = PooledByteBufAllocator.DEFAULT.directBuffer(count * (HEADER_LENGTH + length));
        for (int i = 0; i < count; i++)
        {
            writeData(read, firstSequence + i, length);
        }
        return read;
    }

    private static void writeData(final ByteBuf out, final long sequence, final int length)
    {
        Frames.writeHeader(out, HEADER_LENGTH + length, FrameType.DATA, 0, 1, 9, sequence, 0);
        for (int b = 0; b < length; b++)
        {
            out.writeByte((int)sequence);
        }
    }

    @Test
    void eachMessageOfAReadGoesToTheHandlerInPlaceThenOneBatchEnd()
    {
        final ByteBuf first = read(0, 3, 100);
        readAddress = first.memoryAddress();
        channel.writeInbound(first);
        assertEquals(List.of("message 0 100 0", "message 1 100 1", "message 2 100 2", "end"), events);
        assertTrue(inPlace, "the handler reads the socket's read buffer itself, not a copy");
        events.clear();
        readAddress = 0;
        channel.writeInbound(read(3, 2, 8));
        assertEquals(List.of("message 3 8 3", "message 4 8 4", "end"), events);
    }

    @Test
    void aGapNoticeGoesToTheHandlerInItsPlace()
    {
        final ByteBuf read = read(0, 1, 16);
        Frames.writeGap(read, 1, 9, 1, 4, 4, 2, 0);
        writeData(read, 5, 16);
        channel.writeInbound(read);
        assertEquals("message 0 16 0", events.get(0));
        assertEquals("gap 1..4", events.get(1));
        assertEquals("message 5 16 5", events.get(2));
        assertEquals("end", events.get(3));
    }

    @Test
    void aHandlerThatClosesItsSubscriptionIsNotCalledAgain()
    {
        closeAfter = 2;
        channel.writeInbound(read(0, 5, 8));
        channel.runPendingTasks();
        assertEquals(List.of("message 0 8 0", "message 1 8 1"), events, "nothing after close, no batch end");
        assertTrue(subscription.isClosed());
        final ByteBuf goodbye = channel.readOutbound();
        assertEquals(FrameType.CLOSE, Frames.type(goodbye, 0));
        goodbye.release();
        if (!Transports.seesPeerCloseWithoutReading())
        {
            assertFalse(channel.isOpen(), "NIO: closed once the CLOSE is written");
            return;
        }
        // The relay closes once it has read the CLOSE; until then this side reads nothing more, and it gives up
        // after 5 s.
        assertTrue(channel.isOpen(), "open for the relay's close");
        assertFalse(channel.config().isAutoRead(), "reading on would take more from the relay's lane");
        channel.advanceTimeBy(5, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertFalse(channel.isOpen(), "closed 5 s after the CLOSE without the relay's");
    }

    @Test
    void aHandlerThatThrowsClosesTheConnectionAndIsNamed()
    {
        failWith = new IllegalStateException("database down");
        channel.writeInbound(read(0, 3, 8));
        channel.runPendingTasks();
        assertEquals(List.of("message 0 8 0"), events, "the rest of the read is discarded");
        assertFalse(channel.isOpen());
        assertFalse(subscription.isConnected());
        final String reason = subscription.closeReason();
        assertNotNull(reason);
        assertTrue(reason.contains("message handler threw") && reason.contains("database down"), reason);
        final ByteBuf error = channel.readOutbound();
        assertEquals(FrameType.ERROR, Frames.type(error, 0));
        error.release();
    }
}
