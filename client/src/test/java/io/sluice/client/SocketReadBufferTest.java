package io.sluice.client;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The inbound buffer driven directly, the test playing the subscription (reads when no whole frame waits, takes the
 * whole frames between read and write index) and the socket (a channel that gives at most so many bytes per read,
 * ends its stream, or throws).
 */
class SocketReadBufferTest
{
    private static final int CAPACITY = 1024;
    private static final int ALL = Integer.MAX_VALUE;

    private final Socket socket = new Socket();
    // Every byte of every frame sent, in order: what the frames taken must add up to.
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private final ByteArrayOutputStream taken = new ByteArrayOutputStream();
    private int framesSent;
    private int framesTaken;

    // A frame as the buffer sees one: its first four bytes its length, the rest its number, as bytes.
    private byte[] frame(final int length)
    {
        final byte[] frame = new byte[length];
        Arrays.fill(frame, (byte)framesSent++);
        ByteBuffer.wrap(frame).putInt(0, length);
        return frame;
    }

    private void send(final int... lengths)
    {
        for (final int length : lengths)
        {
            final byte[] frame = frame(length);
            sent.writeBytes(frame);
            socket.bytes.writeBytes(frame);
        }
    }

    // What the subscription does with what was read: each whole frame, in place, then the read index past it.
    private int takeWholeFrames(final SocketReadBuffer in)
    {
        final UnsafeBuffer buffer = in.buffer();
        int index = in.readIndex();
        int frames = 0;
        while (in.writeIndex() - index >= 4)
        {
            final int length = buffer.getInt(index, ByteOrder.BIG_ENDIAN);
            if (in.writeIndex() - index < length)
            {
                break;
            }
            final byte[] frame = new byte[length];
            buffer.getBytes(index, frame);
            taken.writeBytes(frame);
            index += length;
            in.readIndex(index);
            frames++;
        }
        framesTaken += frames;
        assertFalse(in.hasWholeFrame(), "all whole frames taken");
        return frames;
    }

    private SocketReadBuffer buffer(final int capacity)
    {
        return new SocketReadBuffer(socket, ByteBuffer.allocateDirect(capacity));
    }

    private void assertTakenWholeAndInOrder()
    {
        assertEquals(framesSent, framesTaken);
        assertArrayEquals(sent.toByteArray(), taken.toByteArray());
    }

    @Test
    void framesSplitAcrossTwoReadsAtEveryOffsetComeOutWholeInOrderAndByteForByte()
    {
        // Capacity twice the largest frame, as the subscription sizes it; the cut falls in every header and payload.
        final int[] lengths = {40, 100, 33, 7};
        final int total = 180;
        for (int cut = 1; cut < total; cut++)
        {
            sent.reset();
            taken.reset();
            socket.bytes.reset();
            socket.index = 0;
            framesSent = 0;
            framesTaken = 0;
            final SocketReadBuffer in = buffer(200);
            send(lengths);

            socket.givesAtMost = cut;
            assertEquals(cut, in.read());
            final int wholeBeforeCut = cut < 40 ? 0 : cut < 140 ? 1 : cut < 173 ? 2 : 3;
            assertEquals(wholeBeforeCut, takeWholeFrames(in), "cut at " + cut);
            assertEquals(cut, in.writeIndex(), "the start of the frame cut is kept");

            socket.givesAtMost = ALL;
            assertEquals(total - cut, in.read(), "cut at " + cut);
            assertEquals(lengths.length - wholeBeforeCut, takeWholeFrames(in), "cut at " + cut);
            assertTakenWholeAndInOrder();
            assertEquals(0, in.available());
        }
    }

    @Test
    void framesOfManySizesComeOutWholeAndInOrderThroughASocketThatGivesAFewBytesAtATime()
    {
        final int maxFrame = 300;
        final Random random = new Random(42);
        int compactions = 0;
        for (int givesAtMost = 1; givesAtMost <= 41; givesAtMost++)
        {
            final SocketReadBuffer in = buffer(2 * maxFrame);
            socket.givesAtMost = givesAtMost;
            for (int i = 0; i < 50; i++)
            {
                send(4 + random.nextInt(maxFrame - 3));
            }
            while (framesTaken < framesSent)
            {
                final int readIndex = in.readIndex();
                final int writeIndex = in.writeIndex();
                final int read = in.read();
                assertTrue(read > 0, "the socket has more");
                if (readIndex != writeIndex && in.readIndex() != readIndex)
                {
                    compactions++;
                    assertEquals(0, in.readIndex(), "what was left moved to the front");
                    assertEquals(writeIndex - readIndex + read, in.writeIndex());
                }
                takeWholeFrames(in);
            }
            assertEquals(0, in.read(), "nothing more to read");
        }
        assertTakenWholeAndInOrder();
        assertTrue(compactions > 0, "some reads moved the start of a frame to the front");
    }

    @Test
    void aReadMovesWhatIsLeftToTheFrontOnceTheRoomBehindItIsUnderHalfTheBuffer()
    {
        final SocketReadBuffer in = buffer(CAPACITY);
        send(500, 300);
        socket.givesAtMost = 513;
        assertEquals(513, in.read());
        assertEquals(1, takeWholeFrames(in));
        assertEquals(500, in.readIndex());

        socket.givesAtMost = ALL;
        assertEquals(287, in.read());

        assertEquals(0, in.readIndex(), "511 bytes of room were under half: the 13 bytes left moved to the front");
        assertEquals(300, in.writeIndex());
        assertEquals(1, takeWholeFrames(in));
        assertTakenWholeAndInOrder();
    }

    @Test
    void nothingIsMovedWhileTheRoomBehindWhatIsLeftIsHalfTheBufferOrMore()
    {
        final SocketReadBuffer in = buffer(CAPACITY);
        send(500, 300);
        socket.givesAtMost = 512;
        assertEquals(512, in.read());
        assertEquals(1, takeWholeFrames(in));

        socket.givesAtMost = ALL;
        assertEquals(288, in.read());

        assertEquals(500, in.readIndex(), "512 bytes of room, half the buffer: the frame is read on where it is");
        assertEquals(800, in.writeIndex());
        assertEquals(1, takeWholeFrames(in));
        assertTakenWholeAndInOrder();
    }

    @Test
    void onceEverythingIsTakenTheNextReadStartsAtTheFront()
    {
        final SocketReadBuffer in = buffer(CAPACITY);
        send(100, 100);
        assertEquals(200, in.read());
        assertEquals(2, takeWholeFrames(in));

        send(50);
        assertEquals(50, in.read());

        assertEquals(0, in.readIndex());
        assertEquals(50, in.writeIndex());
        assertEquals(1, takeWholeFrames(in));
        assertTakenWholeAndInOrder();
    }

    @Test
    void aFrameNotAllHereIsKeptUntilItIs()
    {
        final SocketReadBuffer in = buffer(CAPACITY);
        send(100);
        socket.givesAtMost = 3;
        assertEquals(3, in.read());
        assertFalse(in.hasWholeFrame(), "not even its length yet");

        socket.givesAtMost = 96;
        assertEquals(96, in.read());
        assertFalse(in.hasWholeFrame(), "one byte short");
        assertEquals(99, in.available());

        socket.givesAtMost = 1;
        assertEquals(1, in.read());
        assertTrue(in.hasWholeFrame());
        assertEquals(1, takeWholeFrames(in));
        assertTakenWholeAndInOrder();
    }

    @Test
    void theBytesThatCameWithTheHandshakeAreTheFirstToTake()
    {
        final ByteBuffer bytes = ByteBuffer.allocateDirect(CAPACITY);
        final byte[] first = frame(60);
        sent.writeBytes(first);
        bytes.put(first);
        final SocketReadBuffer in = new SocketReadBuffer(socket, bytes);
        assertEquals(0, in.readIndex());
        assertEquals(60, in.writeIndex());
        assertTrue(in.hasWholeFrame());

        send(40);
        assertEquals(40, in.read());
        assertEquals(2, takeWholeFrames(in));
        assertTakenWholeAndInOrder();
        assertEquals(CAPACITY, in.capacity());
    }

    @Test
    void theEndOfTheStreamIsReportedWithWhatIsLeftOfAFrame()
    {
        final SocketReadBuffer in = buffer(CAPACITY);
        send(100, 100);
        socket.givesAtMost = 150;
        assertEquals(150, in.read());
        assertEquals(1, takeWholeFrames(in));
        socket.givesAtMost = ALL;
        socket.index = socket.bytes.size();
        socket.ended = true;

        assertEquals(SocketReadBuffer.END_OF_STREAM, in.read());
        assertEquals(50, in.available(), "half a frame was left");
        assertNull(in.readError());
    }

    @Test
    void aReadThatFailsIsReportedAndSoIsEveryReadAfterIt()
    {
        final SocketReadBuffer in = buffer(CAPACITY);
        send(100);
        final IOException reset = new IOException("Connection reset by peer");
        socket.fails = reset;

        assertEquals(SocketReadBuffer.READ_FAILED, in.read());
        assertSame(reset, in.readError());
        assertEquals(0, in.available());

        socket.fails = null;
        assertEquals(SocketReadBuffer.READ_FAILED, in.read());
        assertEquals(1, socket.reads, "the channel is not tried again");
    }

    // A non-blocking socket: gives at most so many bytes per read of what was sent; at the end 0, or -1 once ended;
    // or throws.
    private static final class Socket implements ReadableByteChannel
    {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private int index;
        private int givesAtMost = ALL;
        private boolean ended;
        private IOException fails;
        private int reads;

        @Override
        public int read(final ByteBuffer dst) throws IOException
        {
            reads++;
            if (fails != null)
            {
                throw fails;
            }
            final int size = bytes.size();
            if (index == size)
            {
                return ended ? -1 : 0;
            }
            final int length = Math.min(Math.min(dst.remaining(), givesAtMost), size - index);
            dst.put(bytes.toByteArray(), index, length);
            index += length;
            return length;
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
