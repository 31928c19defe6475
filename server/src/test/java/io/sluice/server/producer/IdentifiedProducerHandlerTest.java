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
import io.sluice.server.stream.ProducerClaim;
import io.sluice.server.stream.Stream;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * An identified publisher's handler driven directly: it starts at its claim's sequence, drops what is resent below it
 * (counted, ACKed, not delivered), and gives the claim back with what it accepted.
 */
class IdentifiedProducerHandlerTest
{
    private static final int STREAM_ID = 3;

    private final Stream stream = new Stream("ids", STREAM_ID, StreamConfig.DEFAULT);
    private final RelayCounters counters = new RelayCounters();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void close()
    {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    @Test
    void resentFramesAreDroppedAndAckedAndTheClaimIsReleasedWithWhatWasAccepted()
    {
        final ProducerClaim first = claim();
        final EmbeddedChannel one = connect(first);
        for (int sequence = 0; sequence < 5; sequence++)
        {
            one.writeInbound(data(first.sourceId(), sequence));
        }
        assertEquals(4, lastAck(one));
        one.close();

        final ProducerClaim second = claim();
        assertEquals(5, second.nextSequence());
        final EmbeddedChannel two = connect(second);
        two.writeInbound(Unpooled.wrappedBuffer(data(second.sourceId(), 3), data(second.sourceId(), 4)));
        assertEquals(4, lastAck(two), "resends are ACKed");
        assertEquals(2, counters.duplicatesDropped());
        assertEquals(5, stream.messagesIn(), "and not taken in again");
        two.writeInbound(Unpooled.wrappedBuffer(data(second.sourceId(), 4), data(second.sourceId(), 5)));
        assertEquals(5, lastAck(two));
        assertEquals(3, counters.duplicatesDropped());
        assertEquals(6, stream.messagesIn());
        two.close();
        assertEquals(6, claim().nextSequence());
    }

    @Test
    void anIdentifiedPublisherIsAckedAfterEveryBatchEvenWhileMoreMayWait()
    {
        final ProducerClaim claim = claim();
        final EmbeddedChannel channel = connect(claim);
        channel.freezeTime();
        final RecvByteBufAllocator.Handle read = channel.unsafe().recvBufAllocHandle();
        read.attemptedBytesRead(64 * 1024);
        read.lastBytesRead(64 * 1024);
        channel.writeInbound(data(claim.sourceId(), 0));
        assertEquals(0, lastAck(channel), "its log gives room back only on ACKs: none waits for a timer");
        channel.writeInbound(data(claim.sourceId(), 1));
        assertEquals(1, lastAck(channel));
    }

    private ProducerClaim claim()
    {
        final EmbeddedChannel hello = new EmbeddedChannel();
        channels.add(hello);
        final List<ProducerClaim> granted = new ArrayList<>();
        stream.producers().claim(9, 0, hello, () -> 77, granted::add);
        hello.runPendingTasks();
        assertEquals(1, granted.size());
        return granted.get(0);
    }

    private EmbeddedChannel connect(final ProducerClaim claim)
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new ProducerHandler(stream, claim.sourceId(), counters,
            new Roster<>(), null, SystemNanoClock.INSTANCE, claim));
        channels.add(channel);
        return channel;
    }

    private static ByteBuf data(final int sourceId, final long sequence)
    {
        final ByteBuf frame = Unpooled.directBuffer(HEADER_LENGTH + 8);
        Frames.writeHeader(frame, HEADER_LENGTH + 8, FrameType.DATA, 0, STREAM_ID, sourceId, sequence, 0);
        frame.writeLong(sequence);
        return frame;
    }

    private static long lastAck(final EmbeddedChannel channel)
    {
        long sequence = -1;
        ByteBuf ack;
        while ((ack = channel.readOutbound()) != null)
        {
            try
            {
                assertEquals(FrameType.ACK, Frames.type(ack, ack.readerIndex()));
                sequence = Frames.sequence(ack, ack.readerIndex());
            }
            finally
            {
                ack.release();
            }
        }
        assertNull(channel.readOutbound());
        return sequence;
    }
}
