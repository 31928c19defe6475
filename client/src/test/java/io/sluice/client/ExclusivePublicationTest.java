package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exclusive publication over an EmbeddedChannel, without sockets: the frames its claims produce, the event loop's
 * windows, and every misuse refused with an exception that says what was wrong. A window the test releases is one
 * the socket has taken.
 */
class ExclusivePublicationTest
{
    private static final int STREAM_ID = 7;
    private static final int SOURCE_ID = 3;
    private static final int MAX_MESSAGE = 1024;

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ExclusivePublication publication = new ExclusivePublication("prices", channel, MAX_MESSAGE, c -> {});
    private final BufferClaim claim = new BufferClaim();

    private void welcome(final int maxFrameLength)
    {
        channel.pipeline().addLast(publication.handler());
        channel.writeInbound(Frames.welcome(ByteBufAllocator.DEFAULT, STREAM_ID, SOURCE_ID, 0, 1000, 10_000,
            maxFrameLength, 0));
        assertTrue(publication.isConnected());
    }

    private ByteBuf written()
    {
        return EmbeddedRelay.written(channel);
    }

    @AfterEach
    void finish()
    {
        channel.finishAndReleaseAll();
    }

    @Test
    void aCommittedClaimIsAFrameWithTheRelaysIdsAndTheNextSequence()
    {
        welcome(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
        for (long i = 0; i < 3; i++)
        {
            assertTrue(publication.tryClaim(16, claim) > 0);
            claim.buffer().putLong(claim.offset(), 100 + i, ByteOrder.BIG_ENDIAN);
            claim.buffer().putLong(claim.offset() + 8, -1);
            claim.commit();
        }
        final ByteBuf out = written();
        try
        {
            assertEquals(3 * (HEADER_LENGTH + 16), out.readableBytes(), "three frames back to back");
            for (int i = 0; i < 3; i++)
            {
                final int index = i * (HEADER_LENGTH + 16);
                assertEquals(HEADER_LENGTH + 16, Frames.frameLength(out, index));
                assertEquals(FrameType.DATA, Frames.type(out, index));
                assertEquals(0, Frames.flags(out, index));
                assertEquals(STREAM_ID, Frames.streamId(out, index));
                assertEquals(SOURCE_ID, Frames.sourceId(out, index));
                assertEquals(i, Frames.sequence(out, index));
                assertTrue(Frames.timestamp(out, index) > 0);
                assertEquals(100 + i, out.getLong(index + HEADER_LENGTH), "the payload as written");
            }
        }
        finally
        {
            out.release();
        }
        assertEquals(0, publication.bufferedBytes());
    }

    @Test
    void flagsTimestampAndOfferWriteWhatTheyAreGiven()
    {
        welcome(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
        assertTrue(publication.tryClaim(8, claim) > 0);
        claim.flags(FrameDescriptor.FLAG_KEYED).timestampNanos(12345).commit();
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[40]);
        payload.putLong(32, 77, ByteOrder.BIG_ENDIAN);
        assertTrue(publication.offer(payload, 32, 8, FrameDescriptor.FLAG_KEYED, 678) > 0);
        final ByteBuf out = written();
        try
        {
            assertEquals(FrameDescriptor.FLAG_KEYED, Frames.flags(out, 0));
            assertEquals(12345, Frames.timestamp(out, 0));
            final int second = HEADER_LENGTH + 8;
            assertEquals(1, Frames.sequence(out, second));
            assertEquals(678, Frames.timestamp(out, second));
            assertEquals(77, out.getLong(second + HEADER_LENGTH));
        }
        finally
        {
            out.release();
        }
    }

    @Test
    void anAbortedClaimSendsNothingAndGivesItsSequenceToTheNext()
    {
        welcome(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
        assertTrue(publication.tryClaim(64, claim) > 0);
        claim.abort();
        final ByteBuf nothing = written();
        assertEquals(0, nothing.readableBytes());
        nothing.release();
        assertTrue(publication.tryClaim(64, claim) > 0);
        claim.commit();
        final ByteBuf out = written();
        assertEquals(0, Frames.sequence(out, 0));
        out.release();
    }

    @Test
    void commitsMadeWhileTheDrainIsScheduledGoOutTogether()
    {
        welcome(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
        for (int i = 0; i < 100; i++)
        {
            assertTrue(publication.tryClaim(32, claim) > 0);
            claim.commit();
        }
        channel.runPendingTasks();
        final ByteBuf window = channel.readOutbound();
        assertEquals(100 * (HEADER_LENGTH + 32), window.readableBytes(), "one drain, one window, one flush");
        assertNull(channel.readOutbound());
        window.release();
    }

    @Test
    void aFullLogAnswersBackPressuredUntilTheSocketTakesItsBytes()
    {
        welcome(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
        long accepted = 0;
        while (publication.tryClaim(MAX_MESSAGE, claim) > 0)
        {
            claim.commit();
            accepted++;
            channel.runPendingTasks(); // handed to the channel, never taken
        }
        assertEquals(ExclusivePublication.BACK_PRESSURED, publication.tryClaim(MAX_MESSAGE, claim));
        assertTrue(accepted * (HEADER_LENGTH + MAX_MESSAGE) <= publication.logCapacity(), "accepted " + accepted);
        assertTrue(publication.bufferedBytes() <= publication.logCapacity());
        assertTrue(accepted >= publication.logCapacity() / (HEADER_LENGTH + MAX_MESSAGE) - 1, "accepted " + accepted);
        written().release();
        assertEquals(0, publication.bufferedBytes());
        assertTrue(publication.tryClaim(MAX_MESSAGE, claim) > 0);
        claim.commit();
        written().release();
    }

    @Test
    void committingTwiceOrAfterAnAbortIsRefused()
    {
        welcome(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
        assertTrue(publication.tryClaim(8, claim) > 0);
        claim.commit();
        final IllegalStateException twice = assertThrows(IllegalStateException.class, claim::commit);
        assertTrue(twice.getMessage().contains("committed already"), twice.getMessage());
        assertThrows(IllegalStateException.class, claim::abort);

        assertTrue(publication.tryClaim(8, claim) > 0);
        claim.abort();
        final IllegalStateException afterAbort = assertThrows(IllegalStateException.class, claim::commit);
        assertTrue(afterAbort.getMessage().contains("aborted"), afterAbort.getMessage());
        assertThrows(IllegalStateException.class, () -> claim.flags(0));

        final IllegalStateException never = assertThrows(IllegalStateException.class, new BufferClaim()::commit);
        assertTrue(never.getMessage().contains("never made"), never.getMessage());
        final ByteBuf out = written();
        assertEquals(HEADER_LENGTH + 8, out.readableBytes(), "one frame: the second commit sent nothing");
        out.release();
    }

    @Test
    void aSecondClaimBeforeTheFirstIsSettledIsRefused()
    {
        welcome(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
        assertTrue(publication.tryClaim(8, claim) > 0);
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> publication.tryClaim(8, new BufferClaim()));
        assertTrue(ex.getMessage().contains("neither committed nor aborted"), ex.getMessage());
        claim.commit();
        written().release();
    }

    @Test
    void claimingMoreThanTheRelayTakesIsRefused()
    {
        welcome(HEADER_LENGTH + 500);
        assertEquals(500, publication.maxPayloadLength(), "the relay's limit, below the client's");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> publication.tryClaim(501, claim));
        assertTrue(ex.getMessage().contains("outside 0..500"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> publication.tryClaim(-1, claim));
        final UnsafeBuffer tooLong = new UnsafeBuffer(new byte[501]);
        assertEquals(ExclusivePublication.MESSAGE_TOO_LARGE, publication.offer(tooLong, 0, 501));
        assertTrue(publication.tryClaim(500, claim) > 0, "nothing was left claimed");
        claim.abort();
    }

    @Test
    void aKeyedClaimShorterThanItsKeyIsRefused()
    {
        welcome(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
        assertTrue(publication.tryClaim(4, claim) > 0);
        assertThrows(IllegalArgumentException.class, () -> claim.flags(FrameDescriptor.FLAG_KEYED));
        assertThrows(IllegalArgumentException.class, () -> claim.flags(0x80));
        claim.abort();
        assertThrows(IllegalArgumentException.class,
            () -> publication.offer(new UnsafeBuffer(new byte[4]), 0, 4, FrameDescriptor.FLAG_KEYED, 0));
    }

    @Test
    void claimingFromASecondThreadIsRefused() throws Exception
    {
        welcome(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
        assertTrue(publication.tryClaim(8, claim) > 0);
        claim.commit();
        final List<Throwable> failures = new ArrayList<>();
        final CompletableFuture<Void> other = CompletableFuture.runAsync(() ->
        {
            try
            {
                publication.tryClaim(8, new BufferClaim());
            }
            catch (final IllegalStateException ex)
            {
                failures.add(ex);
            }
        });
        other.get();
        assertEquals(1, failures.size());
        assertTrue(failures.get(0).getMessage().contains("belongs to thread '" + Thread.currentThread().getName()),
            failures.get(0).getMessage());

        // A claim made here cannot be committed from there either.
        assertTrue(publication.tryClaim(8, claim) > 0);
        final ExecutionException ex = assertThrows(ExecutionException.class,
            () -> CompletableFuture.runAsync(claim::commit).get());
        assertInstanceOf(IllegalStateException.class, ex.getCause());
        claim.commit();
        written().release();
    }

    @Test
    void claimsBeforeTheWelcomeOrAfterCloseSayWhy()
    {
        assertEquals(ExclusivePublication.NOT_CONNECTED, publication.tryClaim(8, claim));
        welcome(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
        assertTrue(publication.tryClaim(8, claim) > 0);
        claim.commit();
        publication.close();
        assertEquals(ExclusivePublication.CLOSED, publication.tryClaim(8, claim));
        assertEquals("closed by the application", publication.closeReason());
        final ByteBuf out = written();
        try
        {
            assertEquals(2 * HEADER_LENGTH + 8, out.readableBytes(), "what was committed, then CLOSE");
            assertEquals(FrameType.CLOSE, Frames.type(out, HEADER_LENGTH + 8));
        }
        finally
        {
            out.release();
        }
        // The relay closes once it has read the CLOSE; this side reads on until it does, and gives up after 5 s.
        assertTrue(channel.isOpen(), "open for the relay's close");
        channel.advanceTimeBy(5, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertFalse(channel.isOpen(), "closed 5 s after the CLOSE without the relay's");
    }
}
