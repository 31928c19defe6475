package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An identified exclusive publication over EmbeddedChannels, without sockets: its frames stay in its log until the
 * relay's ACK covers them, a full log says BACK_PRESSURED while ACKs are withheld, and a publication resumed on a new
 * connection sends again what the relay had not accepted, numbered from the new WELCOME's sequence, then goes on.
 */
class ResumedExclusivePublicationTest
{
    private static final int MAX_MESSAGE = 1024;
    private static final int PAYLOAD = 16;
    private static final int FRAME = HEADER_LENGTH + PAYLOAD;

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ExclusivePublication publication =
        new ExclusivePublication("prices", channel, MAX_MESSAGE, 42, 1, c -> {});
    private final BufferClaim claim = new BufferClaim();
    private EmbeddedChannel second;

    // Claims and commits a message whose payload is `value` twice.
    private void commit(final ExclusivePublication publication, final long value)
    {
        assertTrue(publication.tryClaim(PAYLOAD, claim) > 0);
        claim.buffer().putLong(claim.offset(), value, ByteOrder.BIG_ENDIAN);
        claim.buffer().putLong(claim.offset() + 8, value, ByteOrder.BIG_ENDIAN);
        claim.commit();
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
            commit(publication, i);
        }
        written(channel).release();
        assertEquals(3 * FRAME, publication.bufferedBytes(), "written, not acknowledged");
        ack(channel, 1);
        assertEquals(FRAME, publication.bufferedBytes());
        assertEquals(1, publication.ackedSequence());
        ack(channel, 2);
        assertEquals(0, publication.bufferedBytes());
    }

    @Test
    void aFullLogSaysBackPressuredWhileAcknowledgementsAreWithheld()
    {
        welcome(channel, publication, 0);
        long committed = 0;
        while (publication.tryClaim(MAX_MESSAGE, claim) > 0)
        {
            claim.commit();
            committed++;
            written(channel).release(); // the socket takes everything
        }
        assertTrue(committed * (HEADER_LENGTH + MAX_MESSAGE) <= publication.logCapacity(), "bounded by the log");
        assertEquals(ExclusivePublication.BACK_PRESSURED, publication.tryClaim(MAX_MESSAGE, claim));
        assertEquals(ExclusivePublication.BACK_PRESSURED, publication.tryClaim(MAX_MESSAGE, claim),
            "the socket took all: only an ACK makes room");
        ack(channel, 0);
        assertTrue(publication.tryClaim(MAX_MESSAGE, claim) > 0, "the first frame acknowledged made room");
        claim.commit();
        written(channel).release();
        ack(channel, committed);
        assertEquals(0, publication.bufferedBytes());
    }

    @Test
    void aResumedPublicationSendsWhatTheRelayHadNotAcceptedThenGoesOn() throws Exception
    {
        welcome(channel, publication, 10);
        for (int i = 0; i < 5; i++)
        {
            commit(publication, 100 + i);
        }
        written(channel).release();
        ack(channel, 11);
        // A claim open when the connection is lost may still be committed: it is kept and sent on the next one.
        assertTrue(publication.tryClaim(PAYLOAD, claim) > 0);
        channel.close();
        assertFalse(publication.isConnected());
        claim.buffer().putLong(claim.offset(), 105, ByteOrder.BIG_ENDIAN);
        claim.buffer().putLong(claim.offset() + 8, 105, ByteOrder.BIG_ENDIAN);
        claim.commit();
        assertEquals(ExclusivePublication.NOT_CONNECTED, publication.tryClaim(PAYLOAD, claim));

        final CompletableFuture<Void> back = publication.handOverLog();
        channel.runPendingTasks();
        assertTrue(back.isDone());
        second = new EmbeddedChannel();
        final ExclusivePublication resumed = new ExclusivePublication(publication, second, 2, c -> {});
        // The relay accepted 12 too before the connection was cut: its ACK was lost with it.
        welcome(second, resumed, 13);
        publication.markResumed();
        assertEquals(ExclusivePublication.CLOSED, publication.tryClaim(PAYLOAD, claim));
        commit(resumed, 106);
        final ByteBuf out = written(second);
        try
        {
            assertEquals(4 * FRAME, out.readableBytes(), "103, 104, 105 again, then 106");
            for (int i = 0; i < 4; i++)
            {
                final int index = i * FRAME;
                assertEquals(FrameType.DATA, Frames.type(out, index));
                assertEquals(13 + i, Frames.sequence(out, index));
                assertEquals(SOURCE_ID, Frames.sourceId(out, index));
                assertEquals(103 + i, out.getLong(index + HEADER_LENGTH), "the frame's own payload");
            }
        }
        finally
        {
            out.release();
        }
        assertEquals(4 * FRAME, resumed.bufferedBytes());
        ack(second, 16);
        assertEquals(0, resumed.bufferedBytes());
        assertEquals(2, resumed.epoch());
    }

    @Test
    void aResumedPublicationWritesWhatWaitedForAWindowOnceOneComesBack() throws Exception
    {
        welcome(channel, publication, 0);
        channel.close();
        final CompletableFuture<Void> back = publication.handOverLog();
        channel.runPendingTasks();
        assertTrue(back.isDone());
        second = new EmbeddedChannel();
        final ExclusivePublication resumed = new ExclusivePublication(publication, second, 2, c -> {});
        welcome(second, resumed, 0);
        publication.markResumed();
        // One window per drain, none back while the socket holds them: every window is out, then one frame waits.
        for (int i = 0; i < SendLog.DEFAULT_WINDOWS; i++)
        {
            commit(resumed, i);
            second.runPendingTasks();
        }
        commit(resumed, SendLog.DEFAULT_WINDOWS);
        second.runPendingTasks();
        final ByteBuf out = written(second);
        try
        {
            assertEquals((SendLog.DEFAULT_WINDOWS + 1) * FRAME, out.readableBytes(),
                "the last frame is written once a window came back, without another commit");
            assertEquals(SendLog.DEFAULT_WINDOWS, Frames.sequence(out, SendLog.DEFAULT_WINDOWS * FRAME));
        }
        finally
        {
            out.release();
        }
    }

    @Test
    void handingTheLogOverWithAClaimOpenIsRefused()
    {
        welcome(channel, publication, 0);
        assertTrue(publication.tryClaim(PAYLOAD, claim) > 0);
        final IllegalStateException ex = assertThrows(IllegalStateException.class, publication::handOverLog);
        assertTrue(ex.getMessage().contains("claim is open"), ex.getMessage());
        claim.abort();
    }

    @Test
    void anAnonymousPublicationGivesBytesBackOnceTheSocketTookThem()
    {
        final EmbeddedChannel anonymousChannel = new EmbeddedChannel();
        final ExclusivePublication anonymous = new ExclusivePublication("prices", anonymousChannel, MAX_MESSAGE,
            c -> {});
        try
        {
            welcome(anonymousChannel, anonymous, 0);
            assertFalse(anonymous.isIdentified());
            commit(anonymous, 1);
            written(anonymousChannel).release();
            assertEquals(0, anonymous.bufferedBytes());
        }
        finally
        {
            anonymousChannel.finishAndReleaseAll();
        }
    }
}
