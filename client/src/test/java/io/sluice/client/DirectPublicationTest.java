package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Hello;
import io.sluice.core.protocol.Role;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The direct publication against a relay played by a thread over real loopback sockets: the handshake and its
 * refusals, every message once and in order with the relay's ACKs, back-pressure when the relay stops reading and
 * nothing lost when it reads again, the relay's ERROR closing it, heartbeats both ways, close waiting for the ACK of
 * everything, and no allocation per offer.
 */
class DirectPublicationTest
{
    private static final int STREAM_ID = 7;
    private static final int SOURCE_ID = 3;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private FakeRelay relay;

    @AfterEach
    void stop() throws Exception
    {
        if (relay != null)
        {
            relay.close();
        }
    }

    private ClientConfig config()
    {
        return ClientConfig.of("127.0.0.1", relay.port());
    }

    private static void await(final BooleanSupplier condition, final Supplier<String> what)
    {
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, what);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    // Runs the publication's duty cycle until the relay has received the first `total` messages and acknowledged them.
    private void awaitReceivedAndAcknowledged(final DirectPublication publication, final long total,
        final long deadline)
    {
        while (relay.received < total || publication.ackedSequence() < total - 1)
        {
            assertTrue(publication.isConnected(), publication.closeReason());
            assertTrue(System.nanoTime() < deadline, "received " + relay.received + " of " + total + ", acknowledged " +
                "through " + publication.ackedSequence() + "; relay: " + relay.problem);
            publication.doWork();
            Thread.onSpinWait();
        }
    }

    // Offers message i (its index in the first 8 payload bytes) for i in [from, to), retrying while back-pressured.
    private static void publish(final DirectPublication publication, final UnsafeBuffer payload, final int length,
        final long from, final long to)
    {
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        for (long i = from; i < to; i++)
        {
            payload.putLong(0, i);
            long result;
            while ((result = publication.offer(payload, 0, length)) == DirectPublication.BACK_PRESSURED)
            {
                assertTrue(System.nanoTime() < deadline, "back-pressured at message " + i);
                Thread.onSpinWait();
            }
            assertEquals(i, result, "sequence of message " + i + ": " + publication.closeReason());
        }
        publication.flush();
    }

    @Test
    void everyMessageArrivesOnceInOrderAndCloseWaitsForTheAckOfEverything() throws Exception
    {
        relay = new FakeRelay(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1000, 10_000);
        final DirectPublication publication = DirectPublication.connect(config(), "prices");
        assertEquals(Role.PUBLISHER, relay.hello.role());
        assertEquals("prices", relay.hello.stream());
        assertFalse(relay.hello.identified());
        assertEquals(SOURCE_ID, publication.sourceId());
        assertEquals(-1, publication.ackedSequence());
        assertEquals(ClientConfig.DEFAULT_MAX_MESSAGE_LENGTH, publication.maxPayloadLength());

        final long count = 300_000;
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        publish(publication, payload, 64, 0, count / 2);
        publish(publication, payload, 200, count / 2, count);
        while (relay.received < count)
        {
            assertTrue(publication.doWork() >= 0);
            assertTrue(publication.isConnected(), publication.closeReason());
            Thread.onSpinWait();
        }
        publication.close();
        assertFalse(publication.isConnected());
        assertEquals("closed by the application", publication.closeReason());
        assertEquals(count - 1, publication.ackedSequence(), "close waits for the ACK of everything");
        await(() -> relay.closeReceived, () -> "no CLOSE");
        assertNull(relay.problem, relay.problem);
        assertEquals(count, relay.received);
        assertEquals(DirectPublication.CLOSED, publication.offer(payload, 0, 8));
    }

    @Test
    void aRefusedHelloThrowsWithTheRelaysErrorText() throws Exception
    {
        relay = new FakeRelay(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1000, 10_000);
        relay.refuseWith = "no principal for this token";
        final SluiceException refused = assertThrows(SluiceException.class,
            () -> DirectPublication.connect(config().withAuthToken("wrong"), "prices"));
        assertEquals(ErrorCode.AUTH_FAILED, refused.code());
        assertTrue(refused.getMessage().contains("no principal for this token"), refused.getMessage());
    }

    @Test
    void silenceAfterTheHelloTimesOutAndTlsIsRefused() throws Exception
    {
        relay = new FakeRelay(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1000, 10_000);
        relay.mute = true;
        final SluiceException silent = assertThrows(SluiceException.class,
            () -> DirectPublication.connect(config().withConnectTimeoutMs(200), "prices"));
        assertTrue(silent.getMessage().contains("no WELCOME"), silent.getMessage());

        final IllegalArgumentException tls = assertThrows(IllegalArgumentException.class, () ->
            DirectPublication.connect(config().withTls(ClientTls.trusting(null)), "prices"));
        assertTrue(tls.getMessage().contains("plain TCP"), tls.getMessage());
    }

    @Test
    void aPayloadAboveTheWelcomesMaximumIsRefused() throws Exception
    {
        relay = new FakeRelay(1024, 1000, 10_000);
        try (DirectPublication publication = DirectPublication.connect(config(), "prices"))
        {
            assertEquals(1024 - HEADER_LENGTH, publication.maxPayloadLength());
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[2048]);
            assertEquals(DirectPublication.MESSAGE_TOO_LARGE, publication.offer(payload, 0, 1024 - HEADER_LENGTH + 1));
            assertEquals(0, publication.offer(payload, 0, 1024 - HEADER_LENGTH));
        }
        assertEquals(1, relay.received);
    }

    @Test
    void heartbeatsGoOnScheduleWhileMessagesFlow() throws Exception
    {
        // protocol.md §5: a HEARTBEAT every interval even while other frames flow.
        relay = new FakeRelay(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 20, 10_000);
        final DirectPublication publication = DirectPublication.connect(config(), "prices");
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        long sent = 0;
        while (relay.heartbeats < 3)
        {
            assertTrue(System.nanoTime() < deadline, "heartbeats while messages flow: " + relay.heartbeats);
            payload.putLong(0, sent);
            if (publication.offer(payload, 0, 64) >= 0)
            {
                sent++;
            }
            publication.doWork();
        }
        assertTrue(relay.received > 0, "messages flowed meanwhile");
        publication.close();
        assertNull(relay.problem, relay.problem);
    }

    @Test
    void aRelayThatStopsReadingBackPressuresAndNothingIsLostWhenItReadsAgain() throws Exception
    {
        relay = new FakeRelay(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1000, 10_000);
        relay.paused = true;
        final DirectPublication publication = DirectPublication.connect(config(), "prices");
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        long accepted = 0;
        long result;
        while ((result = publication.offer(payload, 0, 64)) >= 0)
        {
            assertEquals(accepted, result);
            payload.putLong(0, ++accepted);
            assertTrue(accepted < 10_000_000, "never back-pressured");
        }
        assertEquals(DirectPublication.BACK_PRESSURED, result);
        assertTrue(publication.pendingBytes() > 0);
        assertTrue(publication.isConnected());

        // A thread with nothing else to do sleeps until the socket takes bytes again.
        final Thread resume = new Thread(() -> relay.paused = false);
        resume.start();
        while ((result = publication.offer(payload, 0, 64)) == DirectPublication.BACK_PRESSURED)
        {
            assertTrue(publication.awaitRoom(10_000), publication.closeReason());
        }
        assertEquals(accepted, result, publication.closeReason());
        resume.join();
        payload.putLong(0, ++accepted);
        publish(publication, payload, 64, accepted, accepted + 100_000);
        awaitReceivedAndAcknowledged(publication, accepted + 100_000, System.nanoTime() + DEADLINE_NANOS);
        assertNull(relay.problem, relay.problem);
        publication.close();
    }

    @Test
    void framesOfEverySizeArriveWholeWhileTheSocketTakesALittleAtATime() throws Exception
    {
        // Up to 200 KiB a message into a relay that reads slowly: offers are back-pressured and the buffer (twice the
        // largest frame) is written in pieces; every frame must still arrive whole, in order, with its own bytes. The
        // relay starts paused, so that the path fills however fast this machine reads, and reads slowly from the
        // first back-pressured offer on.
        relay = new FakeRelay(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1000, 10_000);
        relay.checkPayloads = true;
        relay.slow = true;
        relay.paused = true;
        final int maxLength = 200 * 1024;
        final DirectPublication publication =
            DirectPublication.connect(config().withMaxMessageLength(maxLength), "prices");
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(maxLength));
        final int count = 3_000;
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        int backPressured = 0;
        for (long i = 0; i < count; i++)
        {
            final int length = i % 100 == 99 ? maxLength : 8 + (int)(i * 7_919 % 6_000);
            payload.putLong(0, i);
            for (int j = 8; j < length; j++)
            {
                payload.putByte(j, FakeRelay.payloadByte(i, j));
            }
            long result;
            while ((result = publication.offer(payload, 0, length)) == DirectPublication.BACK_PRESSURED)
            {
                backPressured++;
                relay.paused = false;
                assertTrue(System.nanoTime() < deadline, "back-pressured at message " + i);
                assertTrue(publication.awaitRoom(100), publication.closeReason());
            }
            assertEquals(i, result, "sequence of message " + i + ": " + publication.closeReason());
        }
        assertTrue(backPressured > 0, "a paused relay never back-pressured the publication");
        publication.flush();
        awaitReceivedAndAcknowledged(publication, count, deadline);
        assertNull(relay.problem, relay.problem);
        publication.close();
    }

    @Test
    void theRelaysErrorClosesThePublicationAndSaysWhy() throws Exception
    {
        relay = new FakeRelay(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1000, 10_000);
        final DirectPublication publication = DirectPublication.connect(config(), "prices");
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        publish(publication, payload, 64, 0, 1000);
        await(() -> relay.received == 1000, () -> "received " + relay.received);
        relay.sendError(ErrorCode.PERMISSION_DENIED, "principal 'p' may not publish to stream 'prices'");

        // A thread that only offers still sees it: within a read's worth of offers, or at once when back-pressured.
        long offers = 0;
        long result;
        while ((result = publication.offer(payload, 0, 64)) != DirectPublication.CLOSED)
        {
            assertTrue(result >= 0 || result == DirectPublication.BACK_PRESSURED, "offer said " + result);
            assertTrue(++offers < 100 * DirectPublication.OFFERS_PER_READ, "the ERROR was not noticed");
        }
        assertFalse(publication.isConnected());
        assertEquals(ErrorCode.PERMISSION_DENIED, publication.errorCode());
        assertTrue(publication.closeReason().contains("may not publish to stream 'prices'"),
            publication.closeReason());
        assertEquals(0, publication.doWork());
        publication.close();
        assertEquals(ErrorCode.PERMISSION_DENIED, publication.errorCode());
    }

    @Test
    void anIdleDutyCycleSendsHeartbeatsAndARelaySilentPastItsTimeoutClosesIt() throws Exception
    {
        relay = new FakeRelay(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 20, 400);
        final DirectPublication publication = DirectPublication.connect(config(), "prices");
        // The relay plays along for a while: every heartbeat is answered, and the connection stays up.
        relay.answerHeartbeats = true;
        final long[] work = {0};
        await(() ->
        {
            work[0] += publication.doWork();
            return relay.heartbeats >= 30;
        }, () -> "heartbeats: " + relay.heartbeats);
        assertTrue(work[0] > 0);
        assertTrue(publication.isConnected(), publication.closeReason());

        // Then it goes silent: past its 400 ms timeout the duty cycle gives up on it.
        relay.answerHeartbeats = false;
        await(() ->
        {
            publication.doWork();
            return !publication.isConnected();
        }, () -> "still connected");
        assertTrue(publication.closeReason().contains("HEARTBEAT_TIMEOUT"), publication.closeReason());
        await(() -> relay.errorReceived == ErrorCode.HEARTBEAT_TIMEOUT.code(), () -> "no ERROR to the relay");
    }

    @Test
    void offerAllocatesNothing() throws Exception
    {
        relay = new FakeRelay(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1000, 10_000);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long thread = Thread.currentThread().getId();
        try (DirectPublication publication = DirectPublication.connect(config(), "prices"))
        {
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
            long sent = 0;
            for (int round = 0; round < 3; round++)
            {
                final long before = threads.getThreadAllocatedBytes(thread);
                for (int i = 0; i < 200_000; i++)
                {
                    payload.putLong(0, sent);
                    while (publication.offer(payload, 0, 64) == DirectPublication.BACK_PRESSURED)
                    {
                        Thread.onSpinWait();
                    }
                    sent++;
                }
                publication.flush();
                publication.doWork();
                final long allocated = threads.getThreadAllocatedBytes(thread) - before;
                if (round == 2)
                {
                    assertEquals(0, allocated, "bytes allocated by 200,000 offers");
                }
            }
        }
        assertNull(relay.problem, relay.problem);
    }

    /**
     * A relay for one publisher connection at a time: answers the HELLO (or refuses it), checks every DATA frame's
     * ids, sequence and first 8 payload bytes (the message's index), ACKs at the end of each read, and answers a CLOSE
     * with the last ACK and a close.
     */
    private static final class FakeRelay implements AutoCloseable
    {
        private final ServerSocket server;
        private final Thread thread;
        private final int maxFrameLength;
        private final int heartbeatIntervalMs;
        private final int heartbeatTimeoutMs;
        private volatile Socket socket;
        private volatile OutputStream output;

        volatile Hello hello;
        volatile String refuseWith;
        volatile boolean mute;
        volatile boolean paused;
        volatile boolean answerHeartbeats;
        volatile long received;
        volatile long heartbeats;
        volatile boolean closeReceived;
        volatile int errorReceived;
        volatile String problem;
        volatile boolean errorSent;
        volatile boolean checkPayloads;
        // Rests 200 µs after each 32 KiB it reads: a publisher at full speed finds the socket taking a little at once.
        volatile boolean slow;

        FakeRelay(final int maxFrameLength, final int heartbeatIntervalMs, final int heartbeatTimeoutMs)
            throws IOException
        {
            this.maxFrameLength = maxFrameLength;
            this.heartbeatIntervalMs = heartbeatIntervalMs;
            this.heartbeatTimeoutMs = heartbeatTimeoutMs;
            this.server = new ServerSocket();
            // Small, so that a relay that stops reading soon fills the path.
            server.setReceiveBufferSize(64 * 1024);
            server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            this.thread = new Thread(this::serve, "fake-relay");
            thread.setDaemon(true);
            thread.start();
        }

        int port()
        {
            return server.getLocalPort();
        }

        private void serve()
        {
            try
            {
                while (!server.isClosed())
                {
                    try (Socket accepted = server.accept())
                    {
                        socket = accepted;
                        output = accepted.getOutputStream();
                        serve(new DataInputStream(new BufferedInputStream(accepted.getInputStream(), 64 * 1024)));
                    }
                    catch (final EOFException | java.net.SocketException ex)
                    {
                        // The publisher went.
                    }
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                if (!server.isClosed())
                {
                    problem = String.valueOf(ex);
                }
            }
        }

        private void serve(final DataInputStream in) throws IOException
        {
            final ByteBuf helloFrame = readFrame(in);
            hello = Hello.parse(helloFrame);
            helloFrame.release();
            if (mute)
            {
                while (in.read() >= 0)
                {
                    // Say nothing until the client goes.
                }
                return;
            }
            if (refuseWith != null)
            {
                send(Frames.error(UnpooledByteBufAllocator.DEFAULT, ErrorCode.AUTH_FAILED, refuseWith, 0));
                return;
            }
            send(Frames.welcome(UnpooledByteBufAllocator.DEFAULT, STREAM_ID, SOURCE_ID, 0, heartbeatIntervalMs,
                heartbeatTimeoutMs, maxFrameLength, 0));
            long next = 0;
            long acked = -1;
            long readSinceRest = 0;
            while (true)
            {
                while (paused)
                {
                    LockSupport.parkNanos(100_000);
                }
                final ByteBuf frame = readFrame(in);
                readSinceRest += frame.readableBytes();
                if (slow && readSinceRest >= 32 * 1024)
                {
                    readSinceRest = 0;
                    LockSupport.parkNanos(200_000);
                }
                try
                {
                    final int type = Frames.type(frame, 0);
                    if (type == FrameType.DATA)
                    {
                        check(frame, next);
                        next++;
                        received = next;
                    }
                    else if (type == FrameType.HEARTBEAT)
                    {
                        heartbeats++;
                        if (answerHeartbeats && !errorSent)
                        {
                            send(Frames.empty(UnpooledByteBufAllocator.DEFAULT, FrameType.HEARTBEAT, 0, 0, 0, 0));
                        }
                    }
                    else if (type == FrameType.CLOSE)
                    {
                        ack(next - 1);
                        closeReceived = true;
                        return;
                    }
                    else if (type == FrameType.ERROR)
                    {
                        errorReceived = Frames.errorCodeValue(frame, 0);
                        return;
                    }
                    else
                    {
                        problem = "unexpected " + FrameType.name(type);
                        return;
                    }
                    // As the relay ACKs once per read, whatever the read held: at the end of what has arrived, and
                    // now and then while a flood keeps arriving, so the publisher hears from it within its timeout.
                    if (next > acked + 1 && (in.available() == 0 || next % 1024 == 0))
                    {
                        ack(next - 1);
                        acked = next - 1;
                    }
                }
                finally
                {
                    frame.release();
                }
            }
        }

        private void check(final ByteBuf frame, final long expected)
        {
            final int length = Frames.frameLength(frame, 0);
            final long index = length >= HEADER_LENGTH + 8 ? frame.getLongLE(HEADER_LENGTH) : expected;
            if (problem == null && (Frames.streamId(frame, 0) != STREAM_ID || Frames.sourceId(frame, 0) != SOURCE_ID ||
                Frames.sequence(frame, 0) != expected || index != expected || Frames.flags(frame, 0) != 0))
            {
                problem = "frame " + expected + ": stream " + Frames.streamId(frame, 0) + ", source " +
                    Frames.sourceId(frame, 0) + ", sequence " + Frames.sequence(frame, 0) + ", message " + index;
            }
            for (int j = 8; checkPayloads && problem == null && HEADER_LENGTH + j < length; j++)
            {
                if (frame.getByte(HEADER_LENGTH + j) != payloadByte(expected, j))
                {
                    problem = "message " + expected + " of " + (length - HEADER_LENGTH) + " bytes differs at byte " + j;
                }
            }
        }

        static byte payloadByte(final long message, final int index)
        {
            return (byte)(message * 31 + index);
        }

        private ByteBuf readFrame(final DataInputStream in) throws IOException
        {
            final int length = in.readInt();
            if (length < HEADER_LENGTH || length > maxFrameLength)
            {
                throw new IOException("frame of " + length + " bytes");
            }
            final byte[] bytes = new byte[length];
            java.nio.ByteBuffer.wrap(bytes).putInt(length);
            in.readFully(bytes, 4, length - 4);
            return Unpooled.wrappedBuffer(bytes);
        }

        private void ack(final long sequence) throws IOException
        {
            if (errorSent)
            {
                return;
            }
            send(Frames.empty(UnpooledByteBufAllocator.DEFAULT, FrameType.ACK, STREAM_ID, SOURCE_ID, sequence, 0));
        }

        private synchronized void send(final ByteBuf frame) throws IOException
        {
            try
            {
                final byte[] bytes = new byte[frame.readableBytes()];
                frame.readBytes(bytes);
                output.write(bytes);
                output.flush();
            }
            finally
            {
                frame.release();
            }
        }

        // As a relay does: the ERROR, then no more from it; the connection closes once the client closes.
        void sendError(final ErrorCode code, final String text) throws IOException
        {
            errorSent = true;
            send(Frames.error(UnpooledByteBufAllocator.DEFAULT, code, text, 0));
            socket.shutdownOutput();
        }

        @Override
        public void close() throws Exception
        {
            server.close();
            final Socket last = socket;
            if (last != null)
            {
                last.close();
            }
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
    }
}
