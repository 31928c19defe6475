package io.sluice.client;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static io.sluice.core.protocol.FrameDescriptor.FLAGS_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.TYPE_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.VERSION;
import static io.sluice.core.protocol.FrameDescriptor.VERSION_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a direct publication makes of what the relay sends it, the relay played by the test over a loopback socket,
 * byte by byte where it matters: ACKs cut into pieces of every size are taken whole and in order, a frame the checks
 * refuse is answered with the ERROR that says why and closes the publication, and the relay's ERROR, CLOSE and end of
 * stream close it with their reasons.
 */
class DirectPublicationInboundTest
{
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);
    // Long enough that no heartbeat is due and no silence is too long while a test runs.
    private static final int HEARTBEAT_MS = 60_000;

    private PlayedRelay<Socket> played;
    private Socket relay;
    private DataInputStream fromPublisher;
    private OutputStream toPublisher;
    private DirectPublication publication;

    @AfterEach
    void stop() throws IOException
    {
        // The relay's side first: a publication still connected then closes at once, not after waiting for it.
        if (relay != null)
        {
            relay.close();
        }
        if (publication != null)
        {
            publication.close();
        }
        if (played != null)
        {
            played.close();
        }
    }

    // Connects a publication to the relay played here: another thread takes the HELLO and answers the WELCOME.
    private void connect() throws Exception
    {
        connect(new byte[0]);
    }

    // The same, with afterWelcome written in the same write as the WELCOME.
    private void connect(final byte[] afterWelcome) throws Exception
    {
        played = PlayedRelay.start("relay-handshake", DEADLINE_NANOS, (socket, in, out) ->
        {
            out.write(FrameBytes.concat(FrameBytes.bytes(Frames.welcome(
                UnpooledByteBufAllocator.DEFAULT, 7, 3, 0, HEARTBEAT_MS, HEARTBEAT_MS, 64 * 1024, 0)), afterWelcome));
            return socket;
        });
        publication = DirectPublication.connect(ClientConfig.of("127.0.0.1", played.port()), "prices");
        relay = played.result(DEADLINE_NANOS);
        fromPublisher = new DataInputStream(relay.getInputStream());
        toPublisher = relay.getOutputStream();
    }

    private static byte[] readFrame(final DataInputStream in) throws IOException
    {
        final int length = in.readInt();
        final byte[] frame = new byte[length];
        new UnsafeBuffer(frame).putInt(0, length, ByteOrder.BIG_ENDIAN);
        in.readFully(frame, 4, length - 4);
        return frame;
    }

    // A frame of `length` bytes of which the header is filled in, the version overridden; length at least a header.
    private static byte[] frame(final int length, final int version, final int type, final long sequence)
    {
        final byte[] frame = new byte[Math.max(length, HEADER_LENGTH)];
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        Frames.putHeader(buffer, 0, length, type, 0, 7, 3, sequence, 0);
        buffer.putByte(VERSION_OFFSET, (byte)version);
        return frame;
    }

    private static byte[] withFlags(final byte[] frame, final int flags)
    {
        new UnsafeBuffer(frame).putShort(FLAGS_OFFSET, (short)flags, ByteOrder.BIG_ENDIAN);
        return frame;
    }

    private static byte[] errorFrame(final ErrorCode code, final String text)
    {
        return FrameBytes.bytes(Frames.error(UnpooledByteBufAllocator.DEFAULT, code, text, 0));
    }

    private void send(final byte[] bytes, final int from, final int to) throws IOException
    {
        toPublisher.write(bytes, from, to - from);
        toPublisher.flush();
    }

    // Runs the duty cycle until the condition holds.
    private void doWorkUntil(final BooleanSupplier condition, final String what)
    {
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, what + "; close reason: " + publication.closeReason());
            publication.doWork();
            Thread.onSpinWait();
        }
    }

    @Test
    void acksCutIntoPiecesOfEverySizeAreTakenWholeAndInOrder() throws Exception
    {
        connect();
        // Many times the read buffer, a HEARTBEAT between every few ACKs; frameEnds[i] is where frame i ends.
        final int count = 4_000;
        final ByteArrayOutputStream stream = new ByteArrayOutputStream();
        final int[] frameEnds = new int[count];
        final long[] ackedThrough = new long[count];
        long acked = -1;
        for (int i = 0; i < count; i++)
        {
            final boolean ack = i % 5 != 4;
            if (ack)
            {
                acked++;
            }
            stream.writeBytes(frame(HEADER_LENGTH, VERSION, ack ? FrameType.ACK : FrameType.HEARTBEAT, acked));
            frameEnds[i] = stream.size();
            ackedThrough[i] = acked;
        }
        final byte[] bytes = stream.toByteArray();

        int written = 0;
        int wholeFrames = 0;
        long seen = -1;
        for (int piece = 0; written < bytes.length; piece++)
        {
            final int to = Math.min(bytes.length, written + 1 + piece * 7 % 41);
            send(bytes, written, to);
            written = to;
            while (wholeFrames < count && frameEnds[wholeFrames] <= written)
            {
                wholeFrames++;
            }
            publication.doWork();
            assertTrue(publication.isConnected(), publication.closeReason());
            final long now = publication.ackedSequence();
            final long sent = wholeFrames == 0 ? -1 : ackedThrough[wholeFrames - 1];
            assertTrue(now >= seen && now <= sent,
                "acknowledged through " + now + " after " + seen + ", with the ACKs through " + sent + " sent whole");
            seen = now;
        }
        doWorkUntil(() -> publication.ackedSequence() == ackedThrough[count - 1], "the last ACK");
        assertTrue(publication.isConnected(), publication.closeReason());
        assertNull(publication.errorCode());
    }

    static Stream<Arguments> refusedFrames()
    {
        return Stream.of(
            Arguments.of(frame(HEADER_LENGTH - 1, VERSION, FrameType.ACK, 0), ErrorCode.FRAME_TOO_SMALL,
                "frame of 31 bytes from the relay"),
            // Only the header is sent: the length is refused before the rest is waited for.
            Arguments.of(Arrays.copyOf(frame(PublisherFrameCheck.MAX_FRAME_LENGTH + 1, VERSION, FrameType.ERROR, 0),
                HEADER_LENGTH), ErrorCode.FRAME_TOO_LARGE, "frame of 1063 bytes from the relay"),
            Arguments.of(frame(HEADER_LENGTH, 2, FrameType.ACK, 0), ErrorCode.UNSUPPORTED_VERSION,
                "version 2 from the relay"),
            Arguments.of(frame(HEADER_LENGTH + 8, VERSION, FrameType.HEARTBEAT, 0), ErrorCode.FRAME_TOO_LARGE,
                "HEARTBEAT of 40 bytes"),
            Arguments.of(frame(HEADER_LENGTH + 8, VERSION, FrameType.DATA, 0), ErrorCode.UNEXPECTED_FRAME,
                "DATA sent to a publisher"),
            Arguments.of(frame(HEADER_LENGTH, VERSION, 9, 0), ErrorCode.UNKNOWN_TYPE,
                "UNKNOWN(9) sent to a publisher"),
            Arguments.of(withFlags(frame(HEADER_LENGTH, VERSION, FrameType.ACK, 0), 0x2), ErrorCode.BAD_FLAGS,
                "flag REDELIVERED (0x2) on a ACK frame: only DATA and GAP are delivered again"));
    }

    @ParameterizedTest(name = "{1}: {2}")
    @MethodSource("refusedFrames")
    void aFrameTheChecksRefuseIsAnsweredWithTheErrorThatSaysWhy(final byte[] bad, final ErrorCode code,
        final String text) throws Exception
    {
        connect();
        // Behind an ACK in the same write: the frames before a bad one are handled.
        final byte[] ack = frame(HEADER_LENGTH, VERSION, FrameType.ACK, 41);
        final byte[] bytes = Arrays.copyOf(ack, ack.length + bad.length);
        System.arraycopy(bad, 0, bytes, ack.length, bad.length);
        send(bytes, 0, bytes.length);
        doWorkUntil(() -> !publication.isConnected(), "still connected");
        assertEquals(41, publication.ackedSequence());
        assertEquals("client error " + code + ": " + text, publication.closeReason());
        assertNull(publication.errorCode(), "the error is this side's, not the relay's");

        byte[] frame = readFrame(fromPublisher);
        while (frame[TYPE_OFFSET] != FrameType.ERROR)
        {
            assertEquals(FrameType.HEARTBEAT, frame[TYPE_OFFSET], "only a HEARTBEAT may come before the ERROR");
            frame = readFrame(fromPublisher);
        }
        final UnsafeBuffer error = new UnsafeBuffer(frame);
        assertEquals(code, ControlFrames.errorCode(error, 0, frame.length));
        assertEquals(text, ControlFrames.errorText(error, 0, frame.length));
        assertEquals(-1, fromPublisher.read(), "the publication closed the connection after its ERROR");
    }

    @Test
    void theRelaysErrorCutAcrossReadsClosesThePublicationWithItsCodeAndText() throws Exception
    {
        connect();
        final String text = "stream 'prices' is closing: the relay shuts down";
        final byte[] error = errorFrame(ErrorCode.SHUTTING_DOWN, text);
        send(error, 0, HEADER_LENGTH + 2);
        publication.doWork();
        assertTrue(publication.isConnected(), publication.closeReason());
        send(error, HEADER_LENGTH + 2, error.length);
        relay.shutdownOutput();
        doWorkUntil(() -> !publication.isConnected(), "still connected");
        assertEquals(ErrorCode.SHUTTING_DOWN, publication.errorCode());
        assertEquals("relay error " + ErrorCode.SHUTTING_DOWN + ": " + text, publication.closeReason());
        assertEquals(-1, fromPublisher.read(), "the publication closed the connection");
    }

    @Test
    void anErrorThatCameWithTheWelcomeIsWhatTheClosedPublicationSays() throws Exception
    {
        // A relay may refuse right after it welcomed: the ERROR is read with the WELCOME, before any read of its own.
        final String text = "stream 'prices' is closing: the relay shuts down";
        connect(errorFrame(ErrorCode.SHUTTING_DOWN, text));
        relay.shutdownOutput();
        doWorkUntil(() -> !publication.isConnected(), "still connected");
        assertEquals(ErrorCode.SHUTTING_DOWN, publication.errorCode());
        assertEquals("relay error " + ErrorCode.SHUTTING_DOWN + ": " + text, publication.closeReason());
    }

    @Test
    void theRelaysCloseClosesThePublication() throws Exception
    {
        connect();
        final byte[] close = frame(HEADER_LENGTH, VERSION, FrameType.CLOSE, 0);
        send(close, 0, close.length);
        doWorkUntil(() -> !publication.isConnected(), "still connected");
        assertEquals("relay closed the connection", publication.closeReason());
        assertNull(publication.errorCode());
    }

    @Test
    void theEndOfTheStreamInsideAFrameClosesThePublication() throws Exception
    {
        connect();
        final byte[] ack = frame(HEADER_LENGTH, VERSION, FrameType.ACK, 5);
        send(ack, 0, ack.length);
        send(ack, 0, HEADER_LENGTH - 1);
        relay.shutdownOutput();
        doWorkUntil(() -> !publication.isConnected(), "still connected");
        assertEquals(5, publication.ackedSequence());
        assertEquals("relay closed the connection", publication.closeReason());
        assertNull(publication.errorCode());
        assertEquals(0, publication.doWork());
    }
}
