package io.sluice.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static io.sluice.core.protocol.ProtocolDocument.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The acknowledged-delivery feature of HELLO (protocol.md §3.1, §4.3): the worked examples of §9 (the subscriber's
 * HELLO, its WELCOME and an ACK) are what the code builds and reads byte for byte, and a HELLO whose window does not
 * fit is refused, so that a client written from the document speaks what the relay expects.
 */
class AcknowledgedHelloTest
{
    private static final long EXAMPLE_HELLO_NANOS = 1_700_000_000_000_000_000L;
    private static final long EXAMPLE_WELCOME_NANOS = 1_700_000_000_000_250_000L;
    private static final long EXAMPLE_ACK_NANOS = 1_700_000_000_002_000_000L;
    private static final int EXAMPLE_WINDOW_MESSAGES = 1000;
    private static final int EXAMPLE_WINDOW_BYTES = 1_048_576;
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    @Test
    void theWorkedExampleHelloIsWhatTheCodeBuilds() throws IOException
    {
        ProtocolDocument.assertMatches("### Acknowledging subscriber's HELLO (59 bytes)", Frames.hello(ALLOC,
            Hello.acknowledgingSubscriber("prices", "audit", "", EXAMPLE_WINDOW_MESSAGES, EXAMPLE_WINDOW_BYTES),
            EXAMPLE_HELLO_NANOS));
    }

    @Test
    void theWorkedExampleHelloParsesToTheSubscribersWindow() throws IOException
    {
        final ByteBuf frame = Unpooled.wrappedBuffer(
            ByteBufUtil.decodeHexDump(ProtocolDocument.hexAfter("### Acknowledging subscriber's HELLO (59 bytes)")));
        try
        {
            final Hello hello = Hello.parse(frame);
            assertEquals(Role.SUBSCRIBER, hello.role());
            assertEquals("prices", hello.stream());
            assertEquals("audit", hello.subscription());
            assertEquals("", hello.authToken());
            assertEquals(Hello.FEATURE_ACKNOWLEDGED_DELIVERY, hello.features());
            assertTrue(hello.acknowledged());
            assertFalse(hello.identified());
            assertEquals(EXAMPLE_WINDOW_MESSAGES, hello.windowMessages());
            assertEquals(EXAMPLE_WINDOW_BYTES, hello.windowBytes());
        }
        finally
        {
            frame.release();
        }
    }

    @Test
    void theWorkedExampleWelcomeIsWhatTheCodeBuildsAndReads() throws IOException
    {
        final ByteBuf welcome = Frames.acknowledgedWelcome(ALLOC, 7, 1, 1000, 10_000,
            FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, EXAMPLE_WINDOW_MESSAGES, EXAMPLE_WINDOW_BYTES, 0,
            EXAMPLE_WELCOME_NANOS);
        try
        {
            assertEquals(FrameDescriptor.HEADER_LENGTH + Frames.ACKNOWLEDGED_WELCOME_PAYLOAD_LENGTH,
                welcome.readableBytes());
            assertEquals(FrameType.WELCOME, Frames.type(welcome, 0));
            assertEquals(7, Frames.streamId(welcome, 0));
            assertEquals(0, Frames.sourceId(welcome, 0));
            assertEquals(1, Frames.sequence(welcome, 0), "the first position");
            assertEquals(1000, Frames.welcomeHeartbeatIntervalMs(welcome, 0));
            assertEquals(10_000, Frames.welcomeHeartbeatTimeoutMs(welcome, 0));
            assertEquals(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, Frames.welcomeMaxFrameLength(welcome, 0));
            assertEquals(EXAMPLE_WINDOW_MESSAGES, Frames.welcomeWindowMessages(welcome, 0));
            assertEquals(EXAMPLE_WINDOW_BYTES, Frames.welcomeWindowBytes(welcome, 0));
            assertEquals(0, Frames.welcomeRedeliveredThrough(welcome, 0));
            assertEquals(ProtocolDocument.hexAfter("### Acknowledging subscriber's WELCOME (64 bytes)"),
                ByteBufUtil.hexDump(welcome));
        }
        finally
        {
            welcome.release();
        }
    }

    @Test
    void theWorkedExampleAckIsAHeaderOnlyAckCarryingThePosition() throws IOException
    {
        final ByteBuf ack = Frames.empty(ALLOC, FrameType.ACK, 7, 0, 500, EXAMPLE_ACK_NANOS);
        try
        {
            assertEquals(FrameDescriptor.HEADER_LENGTH, Frames.frameLength(ack, 0));
            assertEquals(FrameType.ACK, Frames.type(ack, 0));
            assertEquals(0, Frames.flags(ack, 0));
            assertEquals(500, Frames.sequence(ack, 0), "the position acknowledged");
            assertEquals(
                ProtocolDocument.hexAfter("### Acknowledging subscriber's ACK (32 bytes)"), ByteBufUtil.hexDump(ack));
        }
        finally
        {
            ack.release();
        }
    }

    @Test
    void anAcknowledgingHelloWithoutANameOrWindowRoundTrips()
    {
        final ByteBuf frame = Frames.hello(ALLOC, Hello.acknowledgingSubscriber("prices", "", "secret", 0, 0), 1);
        try
        {
            final Hello parsed = Hello.parse(frame);
            assertTrue(parsed.acknowledged());
            assertEquals("", parsed.subscription());
            assertEquals(0, parsed.windowMessages(), "0 asks for the relay's setting");
            assertEquals(0, parsed.windowBytes());
        }
        finally
        {
            frame.release();
        }
    }

    @Test
    void aPublisherCannotAcknowledge()
    {
        assertRefused(payload(1, 0x02, true, 0), "feature 0x02 (acknowledged delivery) on a publisher's HELLO");
        assertThrows(IllegalArgumentException.class,
            () -> new Hello(Role.PUBLISHER, "s", "", "", Hello.FEATURE_ACKNOWLEDGED_DELIVERY, 0, 0, 1, 1));
    }

    @Test
    void aNegativeWindowIsMalformed()
    {
        final ByteBuf messages = ProtocolDocument.hello(payload(2, 0x02, true, 0));
        messages.setInt(messages.writerIndex() - 8, -1);
        assertRefused(messages, "HELLO window -1 messages, 1 bytes: negative");
        final ByteBuf bytes = ProtocolDocument.hello(payload(2, 0x02, true, 0));
        bytes.setInt(bytes.writerIndex() - 4, Integer.MIN_VALUE);
        assertRefused(bytes, "HELLO window 1 messages, -2147483648 bytes: negative");
        assertThrows(IllegalArgumentException.class, () -> Hello.acknowledgingSubscriber("s", "", "", -1, 0));
    }

    @Test
    void aHelloEndingBeforeTheWindowIsMalformed()
    {
        assertRefused(payload(2, 0x02, false, 0), "HELLO ends before the window");
        assertRefused(payload(2, 0x02, false, 7), "HELLO ends before the window");
    }

    @Test
    void bytesAfterTheWindowAreTrailing()
    {
        assertRefused(payload(2, 0x02, true, 3), "HELLO has 3 trailing bytes");
    }

    @Test
    void aWindowWithoutTheFeatureIsTrailingBytes()
    {
        assertRefused(payload(2, 0x00, true, 0), "HELLO has 8 trailing bytes");
    }

    // role, the features byte, stream "s", subscription "audit", no token, a window of 1 and 1 or not, and extra bytes.
    private static byte[] payload(final int role, final int features, final boolean withWindow, final int extra)
    {
        final String subscription = role == 2 ? "audit" : "";
        final ByteBuffer b = ByteBuffer.allocate(9 + subscription.length() + (withWindow ? 8 : 0) + extra);
        b.put((byte)role).put((byte)features).putShort((short)1).put((byte)'s')
            .putShort((short)subscription.length()).put(subscription.getBytes(StandardCharsets.US_ASCII))
            .putShort((short)0);
        if (withWindow)
        {
            b.putInt(1).putInt(1);
        }
        return b.array();
    }






}
