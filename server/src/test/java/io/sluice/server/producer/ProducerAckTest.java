package io.sluice.server.producer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.counters.RelayCounters;
import io.sluice.server.counters.Roster;
import io.sluice.server.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * ACKs from the publisher's handler. An anonymous publisher's ACK goes at the end of a read batch that emptied its
 * socket, and otherwise within {@link AckCoalescer#DELAY_NANOS}, one for every batch in between. A publisher that
 * stops reading what the relay sends it fills its socket, and the relay sees its connection unwritable; since ACKs
 * are cumulative, the relay then writes none (an ACK per read would queue without bound) and sends the latest one as
 * soon as the connection is writable again.
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

    @Test
    void aBatchThatEmptiedThePublishersSocketIsAckedAtOnce()
    {
        lastRead(64 * 1024, 1000);
        channel.writeInbound(data(0));
        assertEquals(0, ackSequence(channel.readOutbound()), "the read took less than it asked: the socket is empty");
        lastRead(64 * 1024, 0);
        channel.writeInbound(data(1));
        assertEquals(1, ackSequence(channel.readOutbound()), "the read found nothing: the socket is empty");
    }

    @Test
    void whileMoreMayWaitToBeReadTheAcksOfBatchesComeTogetherWithinTheDelay()
    {
        channel.freezeTime();
        lastRead(64 * 1024, 64 * 1024);
        for (int sequence = 0; sequence < 5; sequence++)
        {
            channel.writeInbound(data(sequence));
        }
        channel.runPendingTasks();
        assertNull(channel.readOutbound(), "each batch's last read filled its buffer: more may wait");

        channel.advanceTimeBy(AckCoalescer.DELAY_NANOS - 1, TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
        assertNull(channel.readOutbound(), "not before the delay");
        channel.advanceTimeBy(1, TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
        assertEquals(4, ackSequence(channel.readOutbound()), "one ACK for the five batches, within the delay");
        assertNull(channel.readOutbound());

        lastRead(64 * 1024, 12);
        channel.writeInbound(data(5));
        assertEquals(5, ackSequence(channel.readOutbound()), "a batch that empties the socket is ACKed at once again");
        channel.advanceTimeBy(AckCoalescer.DELAY_NANOS, TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
        assertNull(channel.readOutbound(), "nothing is ACKed twice");
    }

    // What the publisher's last socket read asked for and got, as the transport records it for the batch.
    private void lastRead(final int attempted, final int got)
    {
        final RecvByteBufAllocator.Handle read = channel.unsafe().recvBufAllocHandle();
        read.attemptedBytesRead(attempted);
        read.lastBytesRead(got);
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
