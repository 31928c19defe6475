package io.sluice.client;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;


import static io.sluice.core.protocol.FrameDescriptor.FLAG_KEYED;
import static io.sluice.core.protocol.FrameDescriptor.FLAG_REDELIVERED;
import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.VERSION;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The subscriber's header checks driven directly: what passes, and for each rule a header that breaks it, with the
 * code and text of the ERROR the subscription sends for it.
 */
class SubscriberFrameCheckTest
{
    private static final int MAX_FRAME = 4096;
    private static final int AT = FrameCheckFixture.AT;

    private final SubscriberFrameCheck check = new SubscriberFrameCheck(MAX_FRAME);
    private final FrameCheckFixture fixture = new FrameCheckFixture();
    private final UnsafeBuffer buffer = fixture.buffer;

    private int header(final int length, final int version, final int type, final int flags)
    {
        return fixture.header(length, version, type, flags);
    }

    private boolean checkHeader(final int length, final int type, final int flags)
    {
        return check.checkHeader(buffer, AT, header(length, VERSION, type, flags));
    }

    private void assertRefused(final boolean passed, final ErrorCode code, final String text)
    {
        FrameCheckFixture.assertRefused(check, passed, code, text);
    }

    @Test
    void whatARelaySendsASubscriberPasses()
    {
        assertTrue(check.checkLength(MAX_FRAME));
        assertTrue(check.checkLength(0), "too short is for the header check to say");
        assertTrue(checkHeader(HEADER_LENGTH, FrameType.DATA, 0), "DATA with no payload");
        assertTrue(checkHeader(MAX_FRAME, FrameType.DATA, FLAG_REDELIVERED));
        assertTrue(checkHeader(HEADER_LENGTH + 8, FrameType.DATA, FLAG_KEYED | FLAG_REDELIVERED));
        assertTrue(checkHeader(HEADER_LENGTH + 32, FrameType.GAP, FLAG_REDELIVERED));
        assertTrue(checkHeader(HEADER_LENGTH, FrameType.HEARTBEAT, 0));
        assertTrue(checkHeader(HEADER_LENGTH, FrameType.CLOSE, 0));
        assertTrue(checkHeader(HEADER_LENGTH + 6, FrameType.ERROR, 0));
        assertTrue(checkHeader(HEADER_LENGTH, FrameType.ACK, 0), "a known type: what it is sent to says whether");
        assertNull(check.errorCode());
        assertNull(check.errorText());
    }

    @Test
    void aLengthPastTheWelcomesMaximumOrNegativeIsTooLarge()
    {
        assertRefused(check.checkLength(MAX_FRAME + 1), ErrorCode.FRAME_TOO_LARGE,
            "frame length 4097 exceeds the maximum of 4096");
        assertRefused(check.checkLength(-1), ErrorCode.FRAME_TOO_LARGE,
            "frame length 4294967295 exceeds the maximum of 4096");
    }

    @Test
    void aFrameShorterThanAHeaderIsTooSmall()
    {
        assertRefused(checkHeader(HEADER_LENGTH - 1, FrameType.DATA, 0), ErrorCode.FRAME_TOO_SMALL,
            "frame length 31 is below the header length 32");
    }

    @Test
    void anotherVersionIsUnsupported()
    {
        assertRefused(check.checkHeader(buffer, AT, header(HEADER_LENGTH, 2, FrameType.DATA, 0)),
            ErrorCode.UNSUPPORTED_VERSION, "protocol version 2 is not supported (this client speaks 1)");
    }

    @Test
    void anUndefinedTypeIsUnknown()
    {
        assertRefused(checkHeader(HEADER_LENGTH, 0, 0), ErrorCode.UNKNOWN_TYPE, "frame type 0 is not defined");
        assertRefused(checkHeader(HEADER_LENGTH, 9, 0), ErrorCode.UNKNOWN_TYPE, "frame type 9 is not defined");
    }

    @Test
    void aHeaderOnlyTypeWithAPayloadIsTooLarge()
    {
        assertRefused(checkHeader(HEADER_LENGTH + 1, FrameType.HEARTBEAT, 0), ErrorCode.FRAME_TOO_LARGE,
            "HEARTBEAT frame length 33 exceeds the maximum of 32: a HEARTBEAT has no payload");
    }

    @Test
    void flagsOutOfPlaceAreBadFlags()
    {
        assertRefused(checkHeader(HEADER_LENGTH, FrameType.DATA, 0x4), ErrorCode.BAD_FLAGS,
            "flags 0x4 set undefined bits");
        assertRefused(checkHeader(HEADER_LENGTH, FrameType.HEARTBEAT, FLAG_REDELIVERED), ErrorCode.BAD_FLAGS,
            "flag REDELIVERED (0x2) on a HEARTBEAT frame: only DATA and GAP are delivered again");
        assertRefused(checkHeader(HEADER_LENGTH + 32, FrameType.GAP, FLAG_KEYED), ErrorCode.BAD_FLAGS,
            "flag KEYED (0x1) on a GAP frame: only DATA may be keyed");
        assertRefused(checkHeader(HEADER_LENGTH + 7, FrameType.DATA, FLAG_KEYED), ErrorCode.BAD_FLAGS,
            "KEYED DATA frame has no room for its 8-byte key");
    }

    @Test
    void aGapWithoutItsWholePayloadIsTooSmall()
    {
        assertRefused(checkHeader(HEADER_LENGTH + 31, FrameType.GAP, 0), ErrorCode.FRAME_TOO_SMALL,
            "GAP frame length 63 is below 64");
    }
}
