package io.sluice.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static io.sluice.core.protocol.ProtocolDocument.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The identified-publisher feature of HELLO (protocol.md §3.1): encoded and parsed, refused where it does not fit,
 * and the worked examples of §9 built by the code byte for byte, the HELLO without the feature included.
 */
class IdentifiedHelloTest
{
    private static final long EXAMPLE_HELLO_NANOS = 1_700_000_000_000_000_000L;
    private static final long EXAMPLE_WELCOME_NANOS = 1_700_000_000_000_250_000L;
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    @Test
    void anIdentifiedPublishersHelloRoundTrips()
    {
        final Hello hello = Hello.identifiedPublisher("prices", "secret", 0x0102030405060708L, 7);
        final ByteBuf frame = Frames.hello(ALLOC, hello, 1);
        try
        {
            assertEquals(Hello.FEATURE_IDENTIFIED_PUBLISHER, frame.getUnsignedByte(FrameDescriptor.HEADER_LENGTH + 1));
            final Hello parsed = Hello.parse(frame);
            assertEquals(hello, parsed);
            assertTrue(parsed.identified());
            assertEquals(0x0102030405060708L, parsed.producerId());
            assertEquals(7, parsed.epoch());
        }
        finally
        {
            frame.release();
        }
    }

    @Test
    void aHelloWithoutTheFeatureIsNotIdentified()
    {
        final ByteBuf frame = Frames.hello(ALLOC, new Hello(Role.PUBLISHER, "prices", "", ""), 1);
        try
        {
            final Hello parsed = Hello.parse(frame);
            assertFalse(parsed.identified());
            assertEquals(0, parsed.features());
        }
        finally
        {
            frame.release();
        }
    }

    @Test
    void theLargestIdentifiedHelloIsBelowTheLargestHello()
    {
        final Hello hello = Hello.identifiedPublisher("n".repeat(Hello.MAX_NAME_LENGTH),
            "t".repeat(Hello.MAX_TOKEN_LENGTH), Long.MAX_VALUE, Integer.MAX_VALUE);
        final ByteBuf frame = Frames.hello(ALLOC, hello, 0);
        try
        {
            assertTrue(frame.readableBytes() < Hello.MAX_FRAME_LENGTH, frame.readableBytes() + " bytes");
        }
        finally
        {
            frame.release();
        }
    }

    @Test
    void anUndefinedFeatureBitIsMalformed()
    {
        assertRefused(payload(1, 0x05, true), "HELLO features 0x5 set undefined bits");
        assertRefused(payload(1, 0x80, false), "HELLO features 0x80 set undefined bits");
    }

    @Test
    void aSubscriberCannotBeIdentified()
    {
        assertRefused(payload(2, 0x01, true), "feature 0x01 (identified publisher) on a subscriber's HELLO");
    }

    @Test
    void theFeatureWithoutItsFieldsIsMalformed()
    {
        assertRefused(payload(1, 0x01, false), "HELLO ends before the producer id and epoch");
    }

    @Test
    void identityFieldsWithoutTheFeatureAreTrailingBytes()
    {
        assertRefused(payload(1, 0x00, true), "HELLO has 12 trailing bytes");
    }

    @Test
    void aNegativeEpochIsMalformed()
    {
        final ByteBuf frame = ProtocolDocument.hello(payload(1, 0x01, true));
        frame.setInt(frame.writerIndex() - 4, -1);
        assertRefused(frame, "HELLO epoch -1 is negative");
        assertThrows(IllegalArgumentException.class, () -> Hello.identifiedPublisher("s", "", 1, -1));
    }

    @Test
    void theWorkedExampleHelloWithoutTheFeatureIsUnchanged() throws IOException
    {
        final ByteBuf frame = Frames.hello(ALLOC, new Hello(Role.PUBLISHER, "prices", "", ""), EXAMPLE_HELLO_NANOS);
        ProtocolDocument.assertMatches("### HELLO (46 bytes)", frame);
    }

    @Test
    void theWorkedExampleOfAnIdentifiedPublisherIsWhatTheCodeBuilds() throws IOException
    {
        ProtocolDocument.assertMatches("### Identified publisher's HELLO (58 bytes)",
            Frames.hello(ALLOC, Hello.identifiedPublisher("prices", "", 42, 3), EXAMPLE_HELLO_NANOS));
        ProtocolDocument.assertMatches("### Identified publisher's WELCOME (48 bytes)",
            Frames.welcome(ALLOC, 7, 3, 100, 1000, 10_000, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH,
                EXAMPLE_WELCOME_NANOS));
    }

    // role, stream "s", no subscription, no token, the features byte, and the 12 identity bytes or not.
    private static byte[] payload(final int role, final int features, final boolean withIdentity)
    {
        final java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(withIdentity ? 21 : 9);
        b.put((byte)role).put((byte)features).putShort((short)1).put((byte)'s').putShort((short)0).putShort((short)0);
        if (withIdentity)
        {
            b.putLong(42).putInt(1);
        }
        return b.array();
    }






}
