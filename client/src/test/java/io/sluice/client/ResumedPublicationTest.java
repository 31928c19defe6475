package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;

import static io.sluice.client.EmbeddedRelay.SOURCE_ID;
import static io.sluice.client.EmbeddedRelay.ack;
import static io.sluice.client.EmbeddedRelay.welcome;
import static io.sluice.client.EmbeddedRelay.written;
import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An identified (multi-thread) publication over EmbeddedChannels, without sockets: what its event loop stamped stays
 * in its log until the relay's ACK covers it, a full log leaves messages in the ring until offers say BACK_PRESSURED,
 * and a publication resumed on a new connection sends again what the relay had not accepted, numbered from the new
 * WELCOME's sequence, then what the ring held, with its async sends following their messages.
 */
class ResumedPublicationTest
{
    private static final int MAX_MESSAGE = 1024;
    private static final int PAYLOAD = 16;
    private static final int FRAME = HEADER_LENGTH + PAYLOAD;

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Publication publication = identified(channel);
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[PAYLOAD]);
    private EmbeddedChannel second;

    private static Publication identified(final EmbeddedChannel channel)
    {
        return new Publication("prices", channel, MAX_MESSAGE, 64, Runnable::run, true, 42, 1, c -> {});
    }

    // The payload: `value` twice.
    private UnsafeBuffer payload(final long value)
    {
        payload.putLong(0, value, ByteOrder.BIG_ENDIAN);
        payload.putLong(8, value, ByteOrder.BIG_ENDIAN);
        return payload;
    }

    private void offer(final Publication publication, final long value)
    {
        assertTrue(publication.offer(payload(value), 0, PAYLOAD) >= 0, "offer of " + value);
    }

    // Checks that `out` is the frames with these sequences, carrying payloads from `firstValue` on, and releases it.
    private static void assertFrames(final ByteBuf out, final long firstSequence, final long firstValue,
        final int count)
    {
        try
        {
            assertEquals(count * FRAME, out.readableBytes());
            for (int i = 0; i < count; i++)
            {
                final int index = i * FRAME;
                assertEquals(FrameType.DATA, Frames.type(out, index));
                assertEquals(firstSequence + i, Frames.sequence(out, index));
                assertEquals(SOURCE_ID, Frames.sourceId(out, index));
                assertEquals(firstValue + i, out.getLong(index + HEADER_LENGTH), "the frame's own payload");
            }
        }
        finally
        {
            out.release();
        }
    }

    // Closes the first connection and hands its log to a second one, welcomed at `nextSequence`.
    private Publication resumeAt(final long nextSequence)
    {
        channel.close();
        // What the connection still held goes with it (an EmbeddedChannel keeps it until read).
        written(channel).release();
        assertFalse(publication.isConnected());
        assertEquals(Publication.NOT_CONNECTED, publication.offer(payload(-1), 0, PAYLOAD));
        final CompletableFuture<Void> back = publication.handOverLog();
        channel.runPendingTasks();
        assertTrue(back.isDone());
        second = new EmbeddedChannel();
        final Publication resumed = new Publication(publication, second, 2, c -> {});
        welcome(second, resumed, nextSequence);
        publication.markResumed(resumed);
        assertEquals(Publication.CLOSED, publication.offer(payload(-1), 0, PAYLOAD));
        assertEquals(resumed, publication.replacement());
        return resumed;
    }

    @AfterEach
    void finish()
    {
        channel.finishAndReleaseAll();
        if (second != null)
        {
            second.finishAndReleaseAll();
        }
    }

    @Test
    void framesTheSocketTookStayUntilTheRelayAcknowledgesThem()
    {
        welcome(channel, publication, 0);
        for (int i = 0; i < 3; i++)
        {
            offer(publication, i);
        }
        assertFrames(written(channel), 0, 0, 3);
        assertEquals(3 * FRAME, publication.bufferedBytes(), "written, not acknowledged");
        ack(channel, 1);
        assertEquals(FRAME, publication.bufferedBytes());
        assertEquals(1, publication.ackedSequence());
        ack(channel, 2);
        assertEquals(0, publication.bufferedBytes());
    }

    @Test
    void aFullLogLeavesMessagesInTheRingUntilOffersAreBackPressured()
    {
        welcome(channel, publication, 0);
        final UnsafeBuffer large = new UnsafeBuffer(new byte[MAX_MESSAGE]);
        long accepted = 0;
        while (publication.offer(large, 0, MAX_MESSAGE) >= 0)
        {
            accepted++;
            written(channel).release(); // the socket takes everything
        }
        assertEquals(Publication.BACK_PRESSURED, publication.offer(large, 0, MAX_MESSAGE));
        written(channel).release();
        assertEquals(Publication.BACK_PRESSURED, publication.offer(large, 0, MAX_MESSAGE),
            "the socket took all: only an ACK makes room");
        final long frame = HEADER_LENGTH + MAX_MESSAGE;
        assertTrue(accepted * frame > publication.logCapacity(), "the ring filled after the log: " + accepted);
        assertTrue(publication.bufferedBytes() <= 2L * publication.logCapacity(), "bounded by the ring and the log");
        assertEquals(publication.logCapacity(), 256 * 1024, "the log has the ring's size");

        ack(channel, 0);
        final ByteBuf more = written(channel);
        assertEquals(frame, more.readableBytes(), "the room one frame's ACK made took one frame from the ring");
        long last = Frames.sequence(more, 0);
        assertEquals(publication.logCapacity() / frame, last);
        more.release();
        assertTrue(publication.offer(large, 0, MAX_MESSAGE) >= 0, "the ring had room again");
        accepted++;
        // Acknowledging what was written drains the ring through the log, in order.
        while (true)
        {
            ack(channel, last);
            final ByteBuf out = written(channel);
            if (out.readableBytes() == 0)
            {
                out.release();
                break;
            }
            assertEquals(last + 1, Frames.sequence(out, 0));
            last = Frames.sequence(out, out.readableBytes() - (int)frame);
            out.release();
        }
        assertEquals(accepted - 1, last, "every message accepted was written once");
        assertEquals(0, publication.bufferedBytes());
    }

    @Test
    void aResumedPublicationSendsWhatTheRelayHadNotAcceptedThenWhatTheRingHeld() throws Exception
    {
        welcome(channel, publication, 10);
        for (int i = 0; i < 5; i++)
        {
            offer(publication, 100 + i);
        }
        final CompletableFuture<Long> lostAck = publication.sendAsync(payload(105), 0, PAYLOAD);
        final CompletableFuture<Long> resent = publication.sendAsync(payload(106), 0, PAYLOAD);
        assertFrames(written(channel), 10, 100, 7);
        ack(channel, 11);
        // Offered just before the connection was lost, never acknowledged.
        offer(publication, 107);
        assertFalse(lostAck.isDone());

        // The relay accepted 12..15 too before the connection was cut: their ACK was lost with it.
        final Publication resumed = resumeAt(16);
        assertEquals(15L, lostAck.get(), "the relay had it: acknowledged by the WELCOME");
        assertFalse(resent.isDone());
        offer(resumed, 108);
        assertFrames(written(second), 16, 106, 3);
        assertEquals(3 * FRAME, resumed.bufferedBytes());
        ack(second, 16);
        assertEquals(16L, resent.get());
        ack(second, 18);
        assertEquals(0, resumed.bufferedBytes());
        assertEquals(2, resumed.epoch());
        assertEquals(42, resumed.producerId());
    }

    @Test
    void whatTheRingHeldWhenTheConnectionWasLostFollowsWhatIsSentAgain()
    {
        welcome(channel, publication, 0);
        final UnsafeBuffer large = new UnsafeBuffer(new byte[MAX_MESSAGE]);
        long accepted = 0;
        while (true)
        {
            large.putLong(0, accepted, ByteOrder.BIG_ENDIAN);
            if (publication.offer(large, 0, MAX_MESSAGE) < 0)
            {
                break;
            }
            accepted++;
            written(channel).release();
        }
        final int frame = HEADER_LENGTH + MAX_MESSAGE;
        final long inLog = publication.logCapacity() / frame;
        assertTrue(accepted > inLog, "the ring holds messages the full log had no room for");

        // The relay accepted the first 10; their ACK was lost with the connection.
        final Publication resumed = resumeAt(10);
        long expected = 10;
        while (true)
        {
            final ByteBuf out = written(second);
            for (int index = 0; index < out.readableBytes(); index += frame)
            {
                assertEquals(expected, Frames.sequence(out, index));
                assertEquals(expected, out.getLong(index + HEADER_LENGTH), "kept frames, then the ring's, in order");
                expected++;
            }
            final boolean none = out.readableBytes() == 0;
            out.release();
            if (none)
            {
                break;
            }
            ack(second, expected - 1);
        }
        assertEquals(accepted, expected, "everything accepted, once");
        assertEquals(0, resumed.bufferedBytes());
    }

    @Test
    void aRelayThatForgotTheProducerGetsTheKeptFramesRenumberedAndTheirAsyncSendsFollow() throws Exception
    {
        welcome(channel, publication, 10);
        offer(publication, 100);
        final CompletableFuture<Long> async = publication.sendAsync(payload(101), 0, PAYLOAD);
        assertFrames(written(channel), 10, 100, 2);

        final Publication resumed = resumeAt(0);
        offer(resumed, 102);
        assertFrames(written(second), 0, 100, 3);
        ack(second, 0);
        assertFalse(async.isDone());
        ack(second, 1);
        assertEquals(1L, async.get(), "completed with the sequence the relay acknowledged");
    }

    @Test
    void anAnonymousPublicationKeepsNothing()
    {
        final EmbeddedChannel anonymousChannel = new EmbeddedChannel();
        final Publication anonymous = new Publication("prices", anonymousChannel, MAX_MESSAGE, 64, Runnable::run,
            c -> {});
        try
        {
            welcome(anonymousChannel, anonymous, 0);
            assertFalse(anonymous.isIdentified());
            assertEquals(0, anonymous.logCapacity());
            offer(anonymous, 1);
            assertFrames(written(anonymousChannel), 0, 1, 1);
            assertEquals(0, anonymous.bufferedBytes());
            final CompletableFuture<Long> async = anonymous.sendAsync(payload(2), 0, PAYLOAD);
            written(anonymousChannel).release();
            anonymousChannel.close();
            assertTrue(async.isCompletedExceptionally(), "an anonymous publication's sends fail with the connection");
        }
        finally
        {
            anonymousChannel.finishAndReleaseAll();
        }
    }

    @Test
    void closingALostIdentifiedPublicationFailsTheSendsThatWaitedForAResume()
    {
        welcome(channel, publication, 0);
        final CompletableFuture<Long> async = publication.sendAsync(payload(1), 0, PAYLOAD);
        written(channel).release();
        channel.close();
        assertFalse(async.isDone(), "waits for a resume");
        publication.close();
        channel.runPendingTasks();
        assertTrue(async.isCompletedExceptionally());
    }
}
