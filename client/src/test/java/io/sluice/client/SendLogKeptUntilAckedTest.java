package io.sluice.client;

import io.netty.buffer.ByteBuf;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.LENGTH_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.SEQUENCE_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A send log that keeps its frames until the relay acknowledges them, driven directly: the test plays the
 * application (claims and commits frames with a sequence), the event loop (takes windows; releasing one is the socket
 * having taken its bytes) and the relay (acknowledges sequences, or expects one on a new connection).
 */
class SendLogKeptUntilAckedTest
{
    private static final int CAPACITY = 1024;

    private final SendLog log = new SendLog(CAPACITY, 4, null, true);

    // Claims and commits a frame whose payload bytes are all `fill`, with its length and sequence as on the wire.
    private long append(final int frameLength, final long sequence, final int fill)
    {
        final long end = log.tryClaim(frameLength);
        if (end < 0)
        {
            return end;
        }
        final UnsafeBuffer buffer = log.buffer();
        final int index = log.claimIndex();
        buffer.setMemory(index, frameLength, (byte)fill);
        buffer.putInt(index + LENGTH_OFFSET, frameLength, ByteOrder.BIG_ENDIAN);
        buffer.putLong(index + SEQUENCE_OFFSET, sequence, ByteOrder.BIG_ENDIAN);
        return log.commit();
    }

    // Every window the log hands out now, released as the socket takes it; the frames in them as (sequence, fill).
    private List<long[]> sendAll()
    {
        final List<long[]> frames = new ArrayList<>();
        ByteBuf window;
        while ((window = log.nextWindow()) != null)
        {
            int index = window.readerIndex();
            while (index < window.writerIndex())
            {
                final int length = window.getInt(index + LENGTH_OFFSET);
                frames.add(new long[] {window.getLong(index + SEQUENCE_OFFSET), window.getByte(index + length - 1)});
                index += length;
            }
            assertEquals(window.writerIndex(), index, "whole frames only");
            window.release();
        }
        return frames;
    }

    @Test
    void bytesTheSocketTookComeBackOnlyWhenTheirFramesAreAcknowledged()
    {
        for (int i = 0; i < 3; i++)
        {
            assertTrue(append(100, i, i) > 0);
        }
        assertEquals(3, sendAll().size());
        assertTrue(log.allWindowsBack());
        assertEquals(300, log.bufferedBytes(), "the socket took them, the relay has not acknowledged them");
        log.releaseThrough(0);
        assertEquals(200, log.bufferedBytes());
        log.releaseThrough(0);
        assertEquals(200, log.bufferedBytes(), "an ACK seen again changes nothing");
        log.releaseThrough(2);
        assertEquals(0, log.bufferedBytes());
    }

    @Test
    void aFullLogRefusesClaimsWhileAcknowledgementsAreWithheld()
    {
        long sequence = 0;
        while (append(100, sequence, 1) > 0)
        {
            sequence++;
            sendAll();
        }
        assertEquals(CAPACITY / 100, sequence, "as many as fit");
        assertEquals(-1, log.tryClaim(100), "every frame went out, none acknowledged");
        log.releaseThrough(0);
        assertTrue(append(100, sequence, 1) > 0, "the first acknowledged made room");
        assertEquals(-1, log.tryClaim(100));
    }

    @Test
    void anAcknowledgementCoversOnlyFramesSent()
    {
        append(100, 0, 1);
        sendAll();
        append(100, 1, 1);
        log.releaseThrough(5);
        assertEquals(100, log.bufferedBytes(), "the frame not handed to the socket yet stays");
        assertEquals(1, sendAll().get(0)[0]);
        log.releaseThrough(5);
        assertEquals(0, log.bufferedBytes());
    }

    @Test
    void resendingGivesBackWhatTheRelayHasAndSendsTheRestAgainInOrder()
    {
        for (int i = 0; i < 5; i++)
        {
            append(100, 10 + i, i);
        }
        sendAll();
        log.releaseThrough(10);
        assertEquals(15, log.resendFrom(13), "frames 13 and 14 go again; new ones follow");
        assertEquals(200, log.bufferedBytes());
        final List<long[]> again = sendAll();
        assertEquals(2, again.size());
        assertEquals(13, again.get(0)[0]);
        assertEquals(3, again.get(0)[1], "the frame's own bytes");
        assertEquals(14, again.get(1)[0]);
        append(100, 15, 5);
        assertEquals(15, sendAll().get(0)[0]);
        assertNull(log.nextWindow());
    }

    @Test
    void aRelayThatForgotTheProducerGetsTheKeptFramesNumberedFromItsSequence()
    {
        for (int i = 0; i < 4; i++)
        {
            append(100, 20 + i, i);
        }
        sendAll();
        log.releaseThrough(21);
        assertEquals(2, log.resendFrom(0));
        final List<long[]> again = sendAll();
        assertEquals(2, again.size());
        assertEquals(0, again.get(0)[0]);
        assertEquals(2, again.get(0)[1]);
        assertEquals(1, again.get(1)[0]);
        assertEquals(3, again.get(1)[1]);
    }

    @Test
    void resendingWhileAWindowIsStillOutIsRefused()
    {
        append(100, 0, 1);
        final ByteBuf window = log.nextWindow();
        assertThrows(IllegalStateException.class, () -> log.resendFrom(0));
        window.release();
        assertEquals(1, log.resendFrom(0), "once it is back");
        sendAll();
    }

    @Test
    void aLogThatGivesBytesBackOnWritesTakesNoAcknowledgements()
    {
        final SendLog onWrites = new SendLog(CAPACITY, 4, null);
        assertThrows(IllegalStateException.class, () -> onWrites.releaseThrough(0));
        assertThrows(IllegalStateException.class, () -> onWrites.resendFrom(0));
    }

    @Test
    void overManyLapsEveryFrameGoesOutOnceAndResendsSkipThePadding()
    {
        long next = 0;
        long acked = -1;
        long expectedNext = 0;
        for (int round = 0; round < 200; round++)
        {
            final int length = HEADER_LENGTH + 8 + (round * 37) % 200;
            while (append(length, next, (int)(next & 0x7f)) > 0)
            {
                next++;
            }
            final List<long[]> out = sendAll();
            if (round % 3 == 0)
            {
                // The connection is lost with everything since the last ACK out; a new one expects a sequence
                // between what was acknowledged and what was sent.
                final long relayHas = acked + 1 + (round % 2);
                assertEquals(next, log.resendFrom(Math.min(relayHas, next)));
                acked = Math.min(relayHas, next) - 1;
                expectedNext = acked + 1;
                out.clear();
                out.addAll(sendAll());
            }
            for (final long[] frame : out)
            {
                assertEquals(expectedNext++, frame[0]);
                assertEquals(frame[0] & 0x7f, frame[1], "the frame's own bytes");
            }
            acked = (acked + next) / 2;
            log.releaseThrough(acked);
        }
        log.releaseThrough(next - 1);
        assertEquals(0, log.bufferedBytes());
        assertEquals(next, expectedNext);
    }
}
