package io.sluice.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.counters.RelayCounters;
import io.sluice.server.counters.Roster;
import io.sluice.server.producer.ProducerHandler;
import io.sluice.server.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * ACKs from the publisher's handler. A publisher that stops reading what the relay sends it fills its socket, and the
 * relay sees its connection unwritable; since ACKs are cumulative, the relay then writes none (an ACK per read would
 * queue without bound) and sends the latest one as soon as the connection is writable again.
 * <p>
 * Over a real socket the kernel absorbs megabytes of ACKs before a connection turns unwritable, more than a test
 * can produce at one read per message, so the handler is driven directly and writability set by hand.
 */
class ProducerAckTest
{
    private static final int STREAM_ID = 3;
    private static final int SOURCE_ID = 7;

    private final Stream stream = new Stream("acks", STREAM_ID, StreamConfig.DEFAULT);
    private final EmbeddedChannel channel = new EmbeddedChannel(new ProducerHandler(stream, SOURCE_ID,
        new RelayCounters(), new Roster<>()));

    @AfterEach
    void close()
    {
        channel.finishAndReleaseAll();
    }

    @Test
    void noAckIsQueuedWhileThePublisherIsNotReadingAndTheLatestFollowsWhenItReadsAgain()
    {
        channel.writeInbound(data(0));
        assertEquals(0, ackSequence(channel.readOutbound()), "an ACK per read batch while the publisher reads");

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        assertFalse(channel.isWritable());
        for (int sequence = 1; sequence <= 100; sequence++)
        {
            channel.writeInbound(data(sequence));
        }
        assertNull(channel.readOutbound(), "no ACK written to a publisher that is not reading");

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        channel.runPendingTasks();
        assertEquals(100, ackSequence(channel.readOutbound()), "the latest ACK once it reads again");
        assertNull(channel.readOutbound(), "and only that one");
        assertEquals(101, stream.messagesIn());
    }

    private static ByteBuf data(final long sequence)
    {
        final ByteBuf frame = Unpooled.directBuffer(HEADER_LENGTH + 8);
        Frames.writeHeader(frame, HEADER_LENGTH + 8, FrameType.DATA, 0, STREAM_ID, SOURCE_ID, sequence, 0);
        frame.writeLong(sequence);
        return frame;
    }

    private static long ackSequence(final Object written)
    {
        final ByteBuf ack = (ByteBuf)written;
        try
        {
            assertEquals(FrameType.ACK, Frames.type(ack, ack.readerIndex()));
            return Frames.sequence(ack, ack.readerIndex());
        }
        finally
        {
            ack.release();
        }
    }
}
