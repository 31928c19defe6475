package io.sluice.client;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The outbound buffer driven directly, the test playing the publication (claims, frames, commits, writes) and the
 * socket (a channel that takes at most so many bytes per write, or throws).
 */
class SocketWriteBufferTest
{
    private static final int CAPACITY = 1024;
    private static final int FRAME = 100;
    private static final int NEVER = Integer.MAX_VALUE;

    private final Socket socket = new Socket();
    // Every byte committed, in order: what the socket must have taken once all is written.
    private final ByteArrayOutputStream committed = new ByteArrayOutputStream();
    private int framesCommitted;

    // Claims, frames and commits: the frame's first four bytes are its length, the rest its number, as bytes.
    private int append(final SocketWriteBuffer out, final int frameLength)
    {
        final int index = out.claim(frameLength);
        if (index >= 0)
        {
            put(out, index, frameLength);
        }
        return index;
    }

    private void put(final SocketWriteBuffer out, final int index, final int frameLength)
    {
        final byte[] frame = new byte[frameLength];
        Arrays.fill(frame, (byte)framesCommitted++);
        ByteBuffer.wrap(frame).putInt(0, frameLength);
        out.buffer().putBytes(index, frame);
        out.commit(frameLength);
        committed.writeBytes(frame);
    }

    private void assertSocketTookEverythingInOrder()
    {
        assertArrayEquals(committed.toByteArray(), socket.taken.toByteArray());
    }

    @Test
    void framesOfManySizesComeOutWholeAndInOrderThroughASocketThatTakesALittleAtATime()
    {
        final SocketWriteBuffer out = new SocketWriteBuffer(socket, 8 * 1024, 1024);
        final Random random = new Random(42);
        socket.takesAtMost = 300;
        int claims = 0;
        int compactions = 0;
        int tail = 0;
        while (framesCommitted < 5000)
        {
            final int frameLength = 8 + random.nextInt(2000);
            final int index = append(out, frameLength);
            claims++;
            if (index < 0)
            {
                assertEquals(SocketWriteBuffer.NO_ROOM, index);
                out.write();
                continue;
            }
            if (index != tail && index != 0)
            {
                compactions++;
                assertEquals(index + frameLength, out.pendingBytes(), "what was left moved to the front");
            }
            tail = index + frameLength;
            assertTrue(out.writeIfDue() >= 0);
        }
        while (out.pendingBytes() > 0)
        {
            assertTrue(out.write() > 0);
        }
        assertSocketTookEverythingInOrder();
        assertTrue(claims > framesCommitted, "some claims found no room");
        assertTrue(compactions > 0, "some claims made room by compaction");

        // Checked frame by frame too: each whole, numbered in order.
        final UnsafeBuffer taken = new UnsafeBuffer(socket.taken.toByteArray());
        int index = 0;
        for (int frame = 0; frame < framesCommitted; frame++)
        {
            final int length = taken.getInt(index, ByteOrder.BIG_ENDIAN);
            assertEquals((byte)frame, taken.getByte(index + length - 1), "frame " + frame);
            index += length;
        }
        assertEquals(taken.capacity(), index);
    }

    @Test
    void aClaimThatFindsNoRoomMovesWhatTheSocketLeftToTheFrontOnceItIsAQuarterOfTheBuffer()
    {
        final SocketWriteBuffer out = new SocketWriteBuffer(socket, CAPACITY, NEVER);
        for (int i = 0; i < 10; i++)
        {
            assertEquals(i * FRAME, append(out, FRAME));
        }
        assertEquals(0, socket.writes, "under the write threshold nothing is written");

        socket.takesAtMost = 800;
        final int index = append(out, FRAME);

        assertEquals(200, index, "the 200 bytes the socket left were moved to the front, the frame follows them");
        assertEquals(300, out.pendingBytes());
        final byte[] front = new byte[200];
        out.buffer().getBytes(0, front);
        assertArrayEquals(Arrays.copyOfRange(committed.toByteArray(), 800, 1000), front);

        socket.takesAtMost = NEVER;
        assertEquals(300, out.write());
        assertEquals(0, out.pendingBytes());
        assertSocketTookEverythingInOrder();
        assertEquals(0, append(out, FRAME), "everything taken: claims start at the front again");
    }

    @Test
    void nothingIsMovedWhileTheSocketLeftMoreThanAQuarterOfTheBuffer()
    {
        final SocketWriteBuffer out = new SocketWriteBuffer(socket, CAPACITY, NEVER);
        for (int i = 0; i < 10; i++)
        {
            append(out, FRAME);
        }

        socket.takesAtMost = 700;
        assertEquals(SocketWriteBuffer.NO_ROOM, append(out, FRAME));
        assertEquals(300, out.pendingBytes(), "written, not moved: 700 bytes free at the front stay unused");
        assertEquals(1000, append(out, 24), "a frame that fits at the tail still goes there");

        socket.takesAtMost = 50;
        assertEquals(SocketWriteBuffer.NO_ROOM, append(out, FRAME), "274 pending are still more than 256");
        assertEquals(274, out.pendingBytes());
        socket.takesAtMost = 18;
        assertEquals(256, append(out, FRAME), "256 pending are a quarter: moved to the front");

        socket.takesAtMost = NEVER;
        out.write();
        assertSocketTookEverythingInOrder();
    }

    @Test
    void aClaimLargerThanTheRoomLeftFindsNoRoom()
    {
        final SocketWriteBuffer out = new SocketWriteBuffer(socket, CAPACITY, NEVER);
        for (int i = 0; i < 10; i++)
        {
            append(out, FRAME);
        }

        assertEquals(SocketWriteBuffer.NO_ROOM, out.claim(25), "the socket takes nothing");
        assertEquals(1, socket.writes, "the claim tried a write first");
        assertEquals(SocketWriteBuffer.NO_ROOM, out.claimAtTail(25));
        assertEquals(1, socket.writes, "a claim at the tail never writes");
        assertEquals(1000, out.claimAtTail(24));
        assertEquals(1000, out.claim(24));
        assertEquals(1000, out.pendingBytes(), "claims alone add nothing to what is pending");

        socket.takesAtMost = NEVER;
        assertEquals(SocketWriteBuffer.NO_ROOM, out.claim(CAPACITY + 1), "never fits");
        assertEquals(0, out.pendingBytes(), "but what was pending was written");
        assertEquals(0, out.claim(CAPACITY));
        assertSocketTookEverythingInOrder();
    }

    @Test
    void writesWaitForTheThresholdAndAPartialWriteForAnotherThresholdOfFrames()
    {
        final int threshold = DirectPublication.WRITE_THRESHOLD;
        final int frame = 1024;
        final SocketWriteBuffer out = new SocketWriteBuffer(socket, 4 * threshold, threshold);
        socket.takesAtMost = 1000;
        while (out.pendingBytes() + frame < threshold)
        {
            append(out, frame);
            assertEquals(0, out.writeIfDue());
        }
        assertEquals(0, socket.writes, "nothing written below the threshold");

        append(out, frame);
        assertEquals(threshold, out.pendingBytes());
        assertEquals(1000, out.writeIfDue(), "written at the threshold");
        assertEquals(1, socket.writes);

        final int left = threshold - 1000;
        while (out.pendingBytes() + frame < left + threshold)
        {
            append(out, frame);
            assertEquals(0, out.writeIfDue());
        }
        assertEquals(1, socket.writes, "the socket took part: no write again until another threshold of frames");
        append(out, frame);
        assertEquals(1000, out.writeIfDue());
        assertEquals(2, socket.writes);

        socket.takesAtMost = NEVER;
        assertEquals(2 * threshold - 2 * 1000, out.write());
        append(out, frame);
        assertEquals(0, out.writeIfDue(), "everything taken: the next write waits for a whole threshold again");
        assertEquals(3, socket.writes);
        out.write();
        assertSocketTookEverythingInOrder();
    }

    @Test
    void aFailedWriteIsReportedAndTheBufferTakesNothingMore()
    {
        final SocketWriteBuffer out = new SocketWriteBuffer(socket, CAPACITY, NEVER);
        append(out, FRAME);
        final IOException reset = new IOException("Connection reset by peer");
        socket.fails = reset;

        assertEquals(SocketWriteBuffer.WRITE_FAILED, out.write());
        assertSame(reset, out.writeError());
        assertEquals(FRAME, out.pendingBytes(), "what the socket did not take is still counted");

        assertEquals(SocketWriteBuffer.WRITE_FAILED, out.claim(FRAME), "even with room at the tail");
        assertEquals(SocketWriteBuffer.WRITE_FAILED, out.claimAtTail(FRAME));
        assertEquals(SocketWriteBuffer.WRITE_FAILED, out.write());
        assertEquals(1, socket.writes, "the channel is not tried again");
    }

    @Test
    void aWriteThatFailsInAClaimIsReportedByTheClaim()
    {
        final SocketWriteBuffer out = new SocketWriteBuffer(socket, CAPACITY, NEVER);
        for (int i = 0; i < 10; i++)
        {
            append(out, FRAME);
        }
        socket.fails = new IOException("Broken pipe");

        assertEquals(SocketWriteBuffer.WRITE_FAILED, out.claim(FRAME));
        assertEquals("Broken pipe", out.writeError().getMessage());
        assertEquals(SocketWriteBuffer.WRITE_FAILED, out.claim(1));
        assertEquals(1000, out.pendingBytes());
    }

    // A non-blocking socket: takes at most so many bytes per write, none at first; or throws.
    private static final class Socket implements WritableByteChannel
    {
        private final ByteArrayOutputStream taken = new ByteArrayOutputStream();
        private int takesAtMost;
        private IOException fails;
        private int writes;

        @Override
        public int write(final ByteBuffer src) throws IOException
        {
            writes++;
            if (fails != null)
            {
                throw fails;
            }
            final byte[] bytes = new byte[Math.min(src.remaining(), takesAtMost)];
            src.get(bytes);
            taken.writeBytes(bytes);
            return bytes.length;
        }

        @Override
        public boolean isOpen()
        {
            return true;
        }

        @Override
        public void close()
        {
        }
    }
}
