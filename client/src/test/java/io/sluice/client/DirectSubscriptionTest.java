package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Header;
import io.sluice.core.protocol.Hello;
import io.sluice.core.protocol.Role;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.sluice.client.FrameBytes.bytes;
import static io.sluice.client.FrameBytes.concat;
import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The direct subscription against a fake relay over real loopback sockets: the test thread answers the HELLO with a
 * WELCOME built with {@link Frames} and then writes what a relay would, in pieces of its choosing, while it polls the
 * subscription on the same thread. Messages arrive whole, in order, in place, however the bytes are cut; GAP notices,
 * heartbeats both ways, the relay's ERROR and CLOSE, protocol errors and a silent relay each end as the class says.
 */
class DirectSubscriptionTest
{
    private static final int STREAM_ID = 7;
    private static final int SOURCE_ID = 3;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(20);

    private ServerSocketChannel server;
    private SocketChannel peer;
    private DirectSubscription subscription;
    private final Recorder recorder = new Recorder();

    @BeforeEach
    void listen() throws IOException
    {
        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void closeAll() throws IOException
    {
        if (subscription != null)
        {
            subscription.close();
        }
        if (peer != null)
        {
            peer.close();
        }
        server.close();
    }

    private ClientConfig config()
    {
        return ClientConfig.of("127.0.0.1", server.socket().getLocalPort());
    }

    // Connects on another thread while this one plays the relay: reads the HELLO, answers with what it is given.
    private Hello connect(final ClientConfig config, final String subscriptionName, final byte[] answer)
        throws Exception
    {
        final CompletableFuture<DirectSubscription> connecting = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return DirectSubscription.connect(config, "direct", subscriptionName);
            }
            catch (final SluiceException ex)
            {
                throw new IllegalStateException(ex);
            }
        });
        peer = server.accept();
        final byte[] helloFrame = readFrame();
        final ByteBuf hello = Unpooled.wrappedBuffer(helloFrame);
        final Hello parsed;
        try
        {
            assertEquals(FrameType.HELLO, Frames.type(hello, 0));
            parsed = Hello.parse(hello);
        }
        finally
        {
            hello.release();
        }
        write(answer);
        try
        {
            subscription = connecting.get(DEADLINE_NANOS, TimeUnit.NANOSECONDS);
        }
        catch (final ExecutionException ex)
        {
            throw (Exception)ex.getCause().getCause();
        }
        return parsed;
    }

    private void connect(final byte[] answer) throws Exception
    {
        connect(config(), "", answer);
    }

    @Test
    void saysHelloAsASubscriberAndTakesTheWelcome() throws Exception
    {
        final Hello hello = connect(config().withAuthToken("secret"), "durable-1", welcome(1_000, 4096));
        assertEquals(Role.SUBSCRIBER, hello.role());
        assertEquals("direct", hello.stream());
        assertEquals("durable-1", hello.subscription());
        assertEquals("secret", hello.authToken());
        assertEquals(0, hello.features(), "no acknowledged delivery");
        assertEquals(STREAM_ID, subscription.streamId());
        assertEquals(4096, subscription.maxFrameLength());
        assertEquals(DirectSubscription.MIN_READ_BUFFER_BYTES, subscription.readBufferCapacity());
        assertFalse(subscription.isClosed());
        assertNull(subscription.closeReason());
        assertEquals(0, subscription.poll(recorder, 10));
    }

    @Test
    void deliversFramesThatCameWithTheWelcomeInPlaceAndInOrder() throws Exception
    {
        connect(concat(welcome(1_000, 4096), data(0, 8), data(1, 100), gap(2, 4), data(5, 0)));
        pollUntil(() -> recorder.events.size() == 4);
        assertEquals(List.of("data 3/0 8", "data 3/1 100", "gap 3 2..4 x3 r1", "data 3/5 0"), recorder.events);
        assertTrue(recorder.payloadsIntact, "payload bytes as sent");
        assertTrue(recorder.batchEnds >= 1);
    }

    @Test
    void aFrameCutAtEveryByteOfItsHeaderAndPayloadArrivesWholeAndOnce() throws Exception
    {
        connect(welcome(60_000, 4096));
        final List<String> expected = new ArrayList<>();
        long sequence = 0;
        // Each kind of frame a subscriber gets (DATA, keyed DATA, GAP, HEARTBEAT), cut at each of its bytes.
        for (int kind = 0; kind < 4; kind++)
        {
            final int length = frame(kind, 0).length;
            for (int cut = 1; cut < length; cut++)
            {
                // A whole frame ahead of the cut one, so that the write ends inside a frame; then the rest of it.
                final byte[] whole = data(sequence, 1);
                expected.add("data 3/" + sequence + " 1");
                sequence++;
                final byte[] cutFrame = frame(kind, sequence);
                if (kind == 0 || kind == 1)
                {
                    expected.add("data 3/" + sequence + " " + (cutFrame.length - HEADER_LENGTH));
                    sequence++;
                }
                else if (kind == 2)
                {
                    expected.add("gap 3 " + sequence + ".." + (sequence + 1) + " x2 r1");
                    sequence += 2;
                }
                final int before = kind == 3 ? expected.size() : expected.size() - 1;
                write(concat(whole, Arrays.copyOfRange(cutFrame, 0, cut)));
                pollUntil(() -> recorder.events.size() >= before);
                assertEquals(before, recorder.events.size(), "nothing of the cut frame before it is whole");
                write(Arrays.copyOfRange(cutFrame, cut, cutFrame.length));
                pollUntil(() -> recorder.events.size() >= expected.size());
            }
        }
        assertEquals(expected, recorder.events);
        assertTrue(recorder.payloadsIntact, "payload bytes as sent");
        assertFalse(subscription.isClosed(), subscription.closeReason());
    }

    private static byte[] frame(final int kind, final long sequence)
    {
        switch (kind)
        {
            case 0:
                return data(sequence, 24);
            case 1:
                return keyedData(sequence, 16);
            case 2:
                return gap(sequence, sequence + 1);
            default:
                return heartbeat();
        }
    }

    @Test
    void pollDeliversNoMoreThanItsLimitAndEndsEachBatchOnce() throws Exception
    {
        connect(welcome(1_000, 4096));
        final byte[][] frames = new byte[10][];
        for (int i = 0; i < frames.length; i++)
        {
            frames[i] = data(i, 16);
        }
        write(concat(frames));
        int polls = 0;
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (recorder.events.size() < 10)
        {
            assertTrue(System.nanoTime() < deadline, recorder.events.toString());
            final int delivered = subscription.poll(recorder, 3);
            assertTrue(delivered <= 3, "delivered " + delivered);
            assertEquals(delivered, recorder.inBatch, "the batch end follows the poll's messages");
            recorder.inBatch = 0;
            polls += delivered > 0 ? 1 : 0;
        }
        assertTrue(polls >= 4, "10 messages, 3 a poll");
        assertEquals(polls, recorder.batchEnds);
        for (int i = 0; i < 10; i++)
        {
            assertEquals("data 3/" + i + " 16", recorder.events.get(i));
        }
    }

    @Test
    void largeFramesOfEverySizeSurviveTheBufferWrappingAround() throws Exception
    {
        // Twice the largest frame is more than the least buffer: the buffer is sized from the WELCOME.
        final int max = 200_000;
        connect(welcome(60_000, max));
        assertEquals(2 * max, subscription.readBufferCapacity());
        final int count = 200;
        final CompletableFuture<Void> writing = CompletableFuture.runAsync(() ->
        {
            for (int i = 0; i < count; i++)
            {
                // Sizes that do not divide the buffer: frames end anywhere in it.
                write(data(i, (int)((i * 7_919L) % (max - HEADER_LENGTH + 1))));
            }
        });
        pollUntil(() -> recorder.events.size() == count);
        writing.get();
        for (int i = 0; i < count; i++)
        {
            assertEquals("data 3/" + i + " " + (int)((i * 7_919L) % (max - HEADER_LENGTH + 1)),
                recorder.events.get(i));
        }
        assertTrue(recorder.payloadsIntact, "payload bytes as sent");
    }

    @Test
    void pollingAllocatesNothingPerMessage() throws Exception
    {
        connect(welcome(60_000, 4096));
        final int count = 200_000;
        final byte[] frames = new byte[1_000 * (HEADER_LENGTH + 16)];
        final ByteBuffer chunk = ByteBuffer.wrap(frames);
        for (int i = 0; i < 1_000; i++)
        {
            chunk.put(data(i, 16));
        }
        final CompletableFuture<Void> writing = CompletableFuture.runAsync(() ->
        {
            for (int i = 0; i < count / 1_000; i++)
            {
                write(frames);
            }
        });
        final long[] received = new long[1];
        final MessageHandler counting =
            (buffer, offset, length, header) -> received[0] += header.sequence() >= 0 ? 1 : 0;
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        // Warm up the path first, so that what is measured is the steady state.
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (received[0] < count / 4)
        {
            assertTrue(System.nanoTime() < deadline && !subscription.isClosed(), subscription.closeReason());
            subscription.poll(counting, 100);
        }
        final long before = threads.getThreadAllocatedBytes(threadId);
        final long from = received[0];
        while (received[0] < count)
        {
            assertTrue(System.nanoTime() < deadline && !subscription.isClosed(), subscription.closeReason());
            subscription.poll(counting, 100);
        }
        final long allocated = threads.getThreadAllocatedBytes(threadId) - before;
        writing.get();
        // Far less than one byte a message: whatever a poll allocates does not grow with the messages.
        assertTrue(allocated < (count - from) / 10, allocated + " bytes allocated for " + (count - from) + " messages");
    }

    @Test
    void theRelaysErrorEndsItAfterWhatCameBeforeAndNamesTheText() throws Exception
    {
        connect(welcome(1_000, 4096));
        write(concat(data(0, 8), data(1, 8), error(ErrorCode.SLOW_CONSUMER, "stream direct: took nothing for 5 s"),
            data(2, 8)));
        pollUntil(subscription::isClosed);
        assertEquals(List.of("data 3/0 8", "data 3/1 8"), recorder.events);
        assertEquals("relay error SLOW_CONSUMER: stream direct: took nothing for 5 s", subscription.closeReason());
        assertEquals(0, subscription.poll(recorder, 10));
    }

    @Test
    void theRelaysCloseEndsItAfterEverythingBeforeIt() throws Exception
    {
        connect(welcome(1_000, 4096));
        write(concat(data(0, 8), data(1, 8), data(2, 8), empty(FrameType.CLOSE)));
        pollUntil(subscription::isClosed);
        assertEquals(3, recorder.events.size());
        assertEquals("relay closed the connection", subscription.closeReason());
    }

    @Test
    void aFrameLongerThanTheWelcomeAllowsIsAProtocolError() throws Exception
    {
        connect(welcome(1_000, 4096));
        final byte[] tooLong = data(0, 4096);
        // Only the length field: the subscription refuses as soon as it can tell.
        write(Arrays.copyOf(tooLong, 4));
        pollUntil(subscription::isClosed);
        assertEquals("client error FRAME_TOO_LARGE: frame length 4128 exceeds the maximum of 4096",
            subscription.closeReason());
        final byte[] sent = readFrame();
        assertEquals(FrameType.ERROR, sent[FrameDescriptor.TYPE_OFFSET]);
        assertEquals(ErrorCode.FRAME_TOO_LARGE.code(), ByteBuffer.wrap(sent).getInt(HEADER_LENGTH));
    }

    @Test
    void aFrameASubscriberMayNotGetIsAProtocolError() throws Exception
    {
        connect(welcome(1_000, 4096));
        write(concat(data(0, 8), empty(FrameType.ACK)));
        pollUntil(subscription::isClosed);
        assertEquals(List.of("data 3/0 8"), recorder.events);
        assertEquals("client error UNEXPECTED_FRAME: ACK sent to a subscriber", subscription.closeReason());
    }

    @Test
    void theRelayClosingInsideAFrameIsATruncatedFrame() throws Exception
    {
        connect(welcome(1_000, 4096));
        write(Arrays.copyOf(data(0, 100), 50));
        peer.shutdownOutput();
        pollUntil(subscription::isClosed);
        assertEquals("client error TRUNCATED_FRAME: connection closed 50 bytes into an incomplete frame",
            subscription.closeReason());
    }

    @Test
    void aHelloAnsweredWithAnErrorThrowsWithTheRelaysCodeAndText() throws Exception
    {
        final SluiceException refused = assertThrows(SluiceException.class,
            () -> connect(error(ErrorCode.AUTH_FAILED, "unknown token")));
        assertEquals(ErrorCode.AUTH_FAILED, refused.code());
        assertEquals("relay error AUTH_FAILED: unknown token", refused.getMessage());
    }

    @Test
    void tlsIsRefused()
    {
        final ClientConfig tls = config().withTls(ClientTls.trusting(Path.of("ca.pem")));
        final IllegalArgumentException refused =
            assertThrows(IllegalArgumentException.class, () -> DirectSubscription.connect(tls, "direct"));
        assertTrue(refused.getMessage().contains("plain TCP"), refused.getMessage());
    }

    @Test
    void sendsHeartbeatsAtTheWelcomesInterval() throws Exception
    {
        connect(welcome(20, 4096));
        peer.configureBlocking(false);
        final ByteBuffer in = ByteBuffer.allocate(HEADER_LENGTH);
        pollUntil(() ->
        {
            try
            {
                peer.read(in);
                return !in.hasRemaining();
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(ex);
            }
        });
        assertEquals(HEADER_LENGTH, in.getInt(0));
        assertEquals(FrameType.HEARTBEAT, in.get(FrameDescriptor.TYPE_OFFSET));
        assertFalse(subscription.isClosed(), subscription.closeReason());
    }

    @Test
    void aSilentRelayIsTakenForDead() throws Exception
    {
        connect(config().withHeartbeat(50, 300), "", welcome(50, 4096));
        write(data(0, 8));
        pollUntil(subscription::isClosed);
        assertEquals(1, recorder.events.size());
        assertTrue(subscription.closeReason().startsWith("client error HEARTBEAT_TIMEOUT: nothing received for "),
            subscription.closeReason());
    }

    @Test
    void closeSaysGoodbye() throws Exception
    {
        connect(welcome(60_000, 4096));
        subscription.close();
        assertTrue(subscription.isClosed());
        assertEquals("closed by the application", subscription.closeReason());
        final byte[] goodbye = readFrame();
        assertEquals(FrameType.CLOSE, goodbye[FrameDescriptor.TYPE_OFFSET]);
        assertEquals(-1, peer.read(ByteBuffer.allocate(1)), "then the connection ends");
        assertEquals(0, subscription.poll(recorder, 10));
    }

    @Test
    void aHandlerThatThrowsClosesItAndTheExceptionPropagates() throws Exception
    {
        connect(welcome(60_000, 4096));
        final IllegalStateException boom = new IllegalStateException("boom");
        write(concat(data(0, 8), data(1, 8)));
        final MessageHandler throwing = (buffer, offset, length, header) ->
        {
            throw boom;
        };
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        RuntimeException thrown = null;
        while (thrown == null)
        {
            assertTrue(System.nanoTime() < deadline);
            try
            {
                subscription.poll(throwing, 10);
            }
            catch (final RuntimeException ex)
            {
                thrown = ex;
            }
        }
        assertSame(boom, thrown);
        assertTrue(subscription.isClosed());
        assertEquals("the message handler threw java.lang.IllegalStateException: boom", subscription.closeReason());
        final byte[] sent = readFrame();
        assertEquals(FrameType.ERROR, sent[FrameDescriptor.TYPE_OFFSET]);
        assertEquals(ErrorCode.INTERNAL.code(), ByteBuffer.wrap(sent).getInt(HEADER_LENGTH));
    }

    @Test
    void aHandlerThatClosesGetsNothingMore() throws Exception
    {
        connect(welcome(60_000, 4096));
        write(concat(data(0, 8), data(1, 8), data(2, 8)));
        final Recorder closing = new Recorder()
        {
            @Override
            public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
            {
                super.onMessage(buffer, offset, length, header);
                subscription.close();
            }
        };
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!subscription.isClosed())
        {
            assertTrue(System.nanoTime() < deadline);
            subscription.poll(closing, 10);
        }
        assertEquals(List.of("data 3/0 8"), closing.events);
        assertEquals(0, closing.batchEnds, "closed by the application: no batch end");
    }

    @Test
    void aRelayThatDoesNotWelcomeFailsTheConnectInTime() throws Exception
    {
        final ClientConfig quick = config().withConnectTimeoutMs(300);
        final SluiceException timedOut = assertThrows(SluiceException.class, () -> connect(quick, "", heartbeat()));
        assertTrue(timedOut.getMessage().startsWith("no WELCOME from 127.0.0.1:"), timedOut.getMessage());
    }

    // Polls (with the recorder) until the condition holds, or fails after the deadline.
    private void pollUntil(final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("timed out; events " + recorder.events + ", closed: " + subscription.closeReason());
            }
            if (subscription.poll(recorder, 100) == 0)
            {
                Thread.onSpinWait();
            }
        }
    }

    private void write(final byte[] bytes)
    {
        try
        {
            final ByteBuffer out = ByteBuffer.wrap(bytes);
            while (out.hasRemaining())
            {
                peer.write(out);
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    // One frame from the client, blocking.
    private byte[] readFrame() throws IOException
    {
        final ByteBuffer length = ByteBuffer.allocate(4);
        readFully(length);
        final ByteBuffer frame = ByteBuffer.allocate(length.getInt(0));
        frame.putInt(length.getInt(0));
        readFully(frame);
        return frame.array();
    }

    private void readFully(final ByteBuffer into) throws IOException
    {
        while (into.hasRemaining())
        {
            if (peer.read(into) < 0)
            {
                throw new IOException("end of stream after " + into.position() + " bytes");
            }
        }
    }

    private static byte[] welcome(final int heartbeatIntervalMs, final int maxFrameLength)
    {
        return bytes(Frames.welcome(UnpooledByteBufAllocator.DEFAULT, STREAM_ID, 0, 0, heartbeatIntervalMs, 10_000,
            maxFrameLength, 1L));
    }

    // A DATA frame whose payload bytes are (sequence + index) & 0xFF, so that the recorder can check them.
    static byte[] data(final long sequence, final int payload)
    {
        final ByteBuf out = Unpooled.buffer(HEADER_LENGTH + payload);
        Frames.writeHeader(out, HEADER_LENGTH + payload, FrameType.DATA, 0, STREAM_ID, SOURCE_ID, sequence, 1L);
        for (int i = 0; i < payload; i++)
        {
            out.writeByte((int)(sequence + i));
        }
        return bytes(out);
    }

    private static byte[] keyedData(final long sequence, final int payload)
    {
        final byte[] frame = data(sequence, payload);
        frame[FrameDescriptor.FLAGS_OFFSET + 1] = (byte)FrameDescriptor.FLAG_KEYED;
        return frame;
    }

    private static byte[] gap(final long from, final long to)
    {
        final ByteBuf out = Unpooled.buffer(HEADER_LENGTH + Frames.GAP_PAYLOAD_LENGTH);
        Frames.writeGap(out, STREAM_ID, SOURCE_ID, from, to, to - from + 1, 1, 1L);
        return bytes(out);
    }

    private static byte[] heartbeat()
    {
        return empty(FrameType.HEARTBEAT);
    }

    private static byte[] empty(final int type)
    {
        return bytes(Frames.empty(UnpooledByteBufAllocator.DEFAULT, type, 0, 0, 0, 1L));
    }

    private static byte[] error(final ErrorCode code, final String text)
    {
        return bytes(Frames.error(UnpooledByteBufAllocator.DEFAULT, code, text, 1L));
    }

    private static class Recorder implements MessageHandler
    {
        final List<String> events = new ArrayList<>();
        boolean payloadsIntact = true;
        int batchEnds;
        int inBatch;

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            assertEquals(HEADER_LENGTH + length, header.frameLength());
            for (int i = 0; i < length; i++)
            {
                if (buffer.getByte(offset + i) != (byte)(header.sequence() + i))
                {
                    payloadsIntact = false;
                }
            }
            events.add("data " + header.sourceId() + "/" + header.sequence() + " " + length);
            inBatch++;
        }

        @Override
        public void onGap(final Header header)
        {
            events.add("gap " + header.sourceId() + " " + header.gapFromSequence() + ".." + header.gapToSequence() +
                " x" + header.gapDroppedCount() + " r" + header.gapReason());
            inBatch++;
        }

        @Override
        public void onBatchEnd()
        {
            batchEnds++;
        }
    }
}
