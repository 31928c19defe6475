package io.sluice.client;

import io.netty.buffer.ByteBuf;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The send log driven directly, the test playing both the application (claims, commits, aborts) and the event loop
 * (takes windows; releasing one is the socket having taken its bytes).
 */
class SendLogTest
{
    private static final int CAPACITY = 1024;

    private final AtomicInteger releases = new AtomicInteger();
    private final SendLog log = new SendLog(CAPACITY, 4, releases::incrementAndGet);

    // Claims and commits a frame whose bytes are all `fill`, its first four the length as on the wire.
    private long append(final int frameLength, final int fill)
    {
        final long end = log.tryClaim(frameLength);
        if (end < 0)
        {
            return end;
        }
        final UnsafeBuffer buffer = log.buffer();
        final int index = log.claimIndex();
        buffer.setMemory(index, frameLength, (byte)fill);
        buffer.putInt(index, frameLength, ByteOrder.BIG_ENDIAN);
        assertEquals(end, log.commit());
        return end;
    }

    private static byte[] bytes(final ByteBuf window)
    {
        final byte[] bytes = new byte[window.readableBytes()];
        window.getBytes(window.readerIndex(), bytes);
        return bytes;
    }

    @Test
    void aCommittedFrameGoesOutAsAWindowAndComesBackWhenReleased()
    {
        assertNull(log.nextWindow(), "nothing committed yet");
        assertEquals(100, append(100, 7));
        assertEquals(100, log.bufferedBytes());
        assertTrue(log.hasUnsent());

        final ByteBuf window = log.nextWindow();
        assertEquals(100, window.readableBytes());
        assertEquals(100, window.getInt(window.readerIndex()));
        assertEquals(7, window.getByte(window.readerIndex() + 99));
        assertTrue(window.hasMemoryAddress(), "written to the socket from where it lies");
        assertFalse(log.hasUnsent());
        assertNull(log.nextWindow());
        assertEquals(100, log.bufferedBytes(), "out, not yet taken by the socket");

        assertTrue(window.release());
        assertEquals(1, releases.get());
        assertEquals(0, log.bufferedBytes());
    }

    @Test
    void framesCommittedTogetherGoOutAsOneWindow()
    {
        append(100, 1);
        append(200, 2);
        append(300, 3);
        final ByteBuf window = log.nextWindow();
        assertEquals(600, window.readableBytes());
        window.release();
    }

    @Test
    void aFullLogRefusesClaimsUntilTheSocketTakesBytes()
    {
        for (int i = 0; i < 4; i++)
        {
            assertTrue(append(256, i) > 0);
        }
        assertEquals(-1, log.tryClaim(32), "the log holds its capacity and no more");
        final ByteBuf window = log.nextWindow();
        assertEquals(-1, log.tryClaim(32), "handed out is not yet taken");
        window.release();
        assertEquals(CAPACITY + 32, append(32, 9));
    }

    @Test
    void aFrameThatDoesNotFitBeforeTheEndStartsTheNextLapAndThePaddingIsNeverSent()
    {
        append(500, 1);
        append(500, 1);
        log.nextWindow().release();
        // 24 bytes are left before the end: the next frame starts the second lap, at index 0.
        assertEquals(CAPACITY + 100, log.tryClaim(100));
        assertEquals(0, log.claimIndex());
        log.abort();
        append(100, 2);
        final ByteBuf window = log.nextWindow();
        assertEquals(100, window.readableBytes(), "the padding is skipped");
        assertEquals(0, window.readerIndex());
        assertEquals(2, window.getByte(50));
        window.release();
        assertEquals(0, log.bufferedBytes());
    }

    @Test
    void framesBeforeAndAfterTheWrapGoOutAsTwoWindowsInOrder()
    {
        append(450, 1);
        append(450, 1);
        log.nextWindow().release();
        append(100, 2);   // 900..1000
        append(200, 3);   // padding 1000..1024, then 0..200 of the second lap
        final ByteBuf first = log.nextWindow();
        final ByteBuf second = log.nextWindow();
        assertEquals(100, first.readableBytes());
        assertEquals(2, first.getByte(first.readerIndex() + 50));
        assertEquals(200, second.readableBytes());
        assertEquals(3, second.getByte(second.readerIndex() + 50));
        first.release();
        assertTrue(log.bufferedBytes() >= 200);
        second.release();
        assertEquals(0, log.bufferedBytes());
    }

    @Test
    void anAbortedClaimLeavesNothingAndTheNextClaimTakesItsPlace()
    {
        final long end = log.tryClaim(100);
        final int index = log.claimIndex();
        log.abort();
        assertFalse(log.hasUnsent());
        assertNull(log.nextWindow());
        assertEquals(end, log.tryClaim(100));
        assertEquals(index, log.claimIndex());
    }

    @Test
    void withEveryWindowOutTheRestWaitsForOneToComeBack()
    {
        final ArrayDeque<ByteBuf> out = new ArrayDeque<>();
        for (int i = 0; i < 4; i++)
        {
            append(64, i);
            out.add(log.nextWindow());
        }
        append(64, 4);
        assertFalse(log.hasFreeWindow());
        assertNull(log.nextWindow());
        assertTrue(log.hasUnsent());
        out.poll().release();
        final ByteBuf window = log.nextWindow();
        assertEquals(4, window.getByte(window.readerIndex() + 10));
        window.release();
        out.forEach(ByteBuf::release);
    }

    @Test
    void aClaimLongerThanHalfTheLogIsRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> log.tryClaim(CAPACITY / 2 + 1));
        assertTrue(log.tryClaim(CAPACITY / 2) > 0);
    }

    @Test
    void capacityIsAPowerOfTwoOfAtLeastTwoFrames()
    {
        assertEquals(SendLog.MIN_CAPACITY, SendLog.capacityFor(96));
        assertEquals(4 * 1024 * 1024, SendLog.capacityFor(2 * 1024 * 1024));
        assertEquals(4 * 1024 * 1024, SendLog.capacityFor(2 * 1024 * 1024 - 1));
        assertThrows(IllegalArgumentException.class, () -> new SendLog(1000, 4, null));
    }

    /**
     * Frames of random lengths, claims sometimes aborted, windows taken and released at random (in order, as a socket
     * does): what goes out is exactly what was committed, byte for byte and in order, over many laps.
     */
    @Test
    void whatGoesOutIsExactlyWhatWasCommittedOverManyLaps()
    {
        final Random random = new Random(42);
        final ByteArrayOutputStream committed = new ByteArrayOutputStream();
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        final ArrayDeque<ByteBuf> out = new ArrayDeque<>();
        int fill = 0;
        for (int step = 0; step < 20_000; step++)
        {
            final int action = random.nextInt(10);
            if (action < 5)
            {
                final int frameLength = 8 + random.nextInt(random.nextBoolean() ? 64 : CAPACITY / 2 - 8);
                if (log.tryClaim(frameLength) < 0)
                {
                    continue;
                }
                final int index = log.claimIndex();
                fill++;
                log.buffer().setMemory(index, frameLength, (byte)fill);
                log.buffer().putInt(index, frameLength, ByteOrder.BIG_ENDIAN);
                if (random.nextInt(8) == 0)
                {
                    log.abort();
                    continue;
                }
                final byte[] frame = new byte[frameLength];
                log.buffer().getBytes(index, frame);
                committed.writeBytes(frame);
                log.commit();
            }
            else if (action < 8)
            {
                final ByteBuf window = log.nextWindow();
                if (window != null)
                {
                    out.add(window);
                }
            }
            else if (!out.isEmpty())
            {
                final ByteBuf window = out.poll();
                sent.writeBytes(bytes(window));
                window.release();
            }
        }
        ByteBuf window;
        while ((window = log.nextWindow()) != null || !out.isEmpty())
        {
            if (window != null)
            {
                out.add(window);
            }
            final ByteBuf next = out.poll();
            sent.writeBytes(bytes(next));
            next.release();
        }
        assertTrue(committed.size() > 20 * CAPACITY, "many laps: " + committed.size());
        assertArrayEquals(committed.toByteArray(), sent.toByteArray());
        assertEquals(0, log.bufferedBytes());
    }
}
