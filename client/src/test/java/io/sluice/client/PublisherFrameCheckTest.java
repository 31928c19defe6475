package io.sluice.client;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;


import static io.sluice.core.protocol.FrameDescriptor.FLAG_KEYED;
import static io.sluice.core.protocol.FrameDescriptor.FLAG_REDELIVERED;
import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.VERSION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The publisher's header checks driven directly: what a relay sends a publisher passes, and for each rule a header
 * that breaks it, with the code and text of the ERROR the publication sends for it.
 */
class PublisherFrameCheckTest
{
    private static final int AT = FrameCheckFixture.AT;

    private final PublisherFrameCheck check = new PublisherFrameCheck();
    private final FrameCheckFixture fixture = new FrameCheckFixture();
    private final UnsafeBuffer buffer = fixture.buffer;

    private int header(final int length, final int version, final int type, final int flags)
    {
        return fixture.header(length, version, type, flags);
    }

    private boolean checkHeader(final int length, final int type)
    {
        return check.checkHeader(buffer, AT, header(length, VERSION, type, 0));
    }

    private void assertRefused(final boolean passed, final ErrorCode code, final String text)
    {
        FrameCheckFixture.assertRefused(check, passed, code, text);
    }

    @Test
    void whatARelaySendsAPublisherPasses()
    {
        assertEquals(1062, PublisherFrameCheck.MAX_FRAME_LENGTH, "an ERROR with a text of 1024 bytes");
        assertTrue(check.checkLength(HEADER_LENGTH));
        assertTrue(check.checkLength(PublisherFrameCheck.MAX_FRAME_LENGTH));
        assertTrue(checkHeader(HEADER_LENGTH, FrameType.ACK));
        assertTrue(checkHeader(HEADER_LENGTH, FrameType.HEARTBEAT));
        assertTrue(checkHeader(HEADER_LENGTH, FrameType.CLOSE));
        assertTrue(checkHeader(HEADER_LENGTH + 6, FrameType.ERROR));
        assertTrue(checkHeader(PublisherFrameCheck.MAX_FRAME_LENGTH, FrameType.ERROR));
        assertTrue(checkHeader(HEADER_LENGTH, FrameType.ERROR), "too short for a code: its reader says INTERNAL");
        assertNull(check.errorCode());
        assertNull(check.errorText());
    }

    @Test
    void aLengthBelowAHeaderIsTooSmall()
    {
        assertRefused(check.checkLength(HEADER_LENGTH - 1), ErrorCode.FRAME_TOO_SMALL,
            "frame of 31 bytes from the relay");
        assertRefused(check.checkLength(0), ErrorCode.FRAME_TOO_SMALL, "frame of 0 bytes from the relay");
        assertRefused(check.checkLength(-1), ErrorCode.FRAME_TOO_SMALL, "frame of -1 bytes from the relay");
    }

    @Test
    void aLengthPastTheLongestErrorIsTooLarge()
    {
        assertRefused(check.checkLength(PublisherFrameCheck.MAX_FRAME_LENGTH + 1), ErrorCode.FRAME_TOO_LARGE,
            "frame of 1063 bytes from the relay");
        assertRefused(check.checkLength(Integer.MAX_VALUE), ErrorCode.FRAME_TOO_LARGE,
            "frame of 2147483647 bytes from the relay");
    }

    @Test
    void anotherVersionIsUnsupportedWhateverTheType()
    {
        assertRefused(check.checkHeader(buffer, AT, header(HEADER_LENGTH, 2, FrameType.ACK, 0)),
            ErrorCode.UNSUPPORTED_VERSION, "version 2 from the relay");
        assertRefused(check.checkHeader(buffer, AT, header(HEADER_LENGTH + 1, 0, 0, 0)),
            ErrorCode.UNSUPPORTED_VERSION, "version 0 from the relay");
    }

    @Test
    void aHeaderOnlyTypeWithAPayloadIsTooLarge()
    {
        assertRefused(checkHeader(HEADER_LENGTH + 1, FrameType.ACK), ErrorCode.FRAME_TOO_LARGE, "ACK of 33 bytes");
        assertRefused(checkHeader(HEADER_LENGTH + 8, FrameType.HEARTBEAT), ErrorCode.FRAME_TOO_LARGE,
            "HEARTBEAT of 40 bytes");
        assertRefused(checkHeader(PublisherFrameCheck.MAX_FRAME_LENGTH, FrameType.CLOSE), ErrorCode.FRAME_TOO_LARGE,
            "CLOSE of 1062 bytes");
    }

    @Test
    void aKnownTypeARelayDoesNotSendAPublisherIsUnexpected()
    {
        assertRefused(checkHeader(HEADER_LENGTH + 8, FrameType.DATA), ErrorCode.UNEXPECTED_FRAME,
            "DATA sent to a publisher");
        assertRefused(checkHeader(HEADER_LENGTH + 32, FrameType.GAP), ErrorCode.UNEXPECTED_FRAME,
            "GAP sent to a publisher");
        assertRefused(checkHeader(HEADER_LENGTH + 12, FrameType.WELCOME), ErrorCode.UNEXPECTED_FRAME,
            "WELCOME sent to a publisher");
        assertRefused(checkHeader(HEADER_LENGTH, FrameType.HELLO), ErrorCode.UNEXPECTED_FRAME,
            "HELLO sent to a publisher");
    }

    @Test
    void aFlagOnAFrameARelaySendsAPublisherIsBadFlags()
    {
        assertRefused(check.checkHeader(buffer, AT, header(HEADER_LENGTH, VERSION, FrameType.ACK, 0x4)),
            ErrorCode.BAD_FLAGS, "flags 0x4 set undefined bits");
        assertRefused(check.checkHeader(buffer, AT, header(HEADER_LENGTH, VERSION, FrameType.HEARTBEAT, 0xFFFF)),
            ErrorCode.BAD_FLAGS, "flags 0xffff set undefined bits");
        assertRefused(check.checkHeader(buffer, AT, header(HEADER_LENGTH, VERSION, FrameType.ACK, FLAG_REDELIVERED)),
            ErrorCode.BAD_FLAGS, "flag REDELIVERED (0x2) on a ACK frame: only DATA and GAP are delivered again");
        assertRefused(check.checkHeader(buffer, AT, header(HEADER_LENGTH + 6, VERSION, FrameType.ERROR, FLAG_KEYED)),
            ErrorCode.BAD_FLAGS, "flag KEYED (0x1) on a ERROR frame: only DATA may be keyed");
    }

    @Test
    void anUndefinedTypeIsUnknown()
    {
        assertRefused(checkHeader(HEADER_LENGTH, 0), ErrorCode.UNKNOWN_TYPE, "UNKNOWN(0) sent to a publisher");
        assertRefused(checkHeader(HEADER_LENGTH + 4, 9), ErrorCode.UNKNOWN_TYPE, "UNKNOWN(9) sent to a publisher");
        assertRefused(checkHeader(HEADER_LENGTH, 255), ErrorCode.UNKNOWN_TYPE, "UNKNOWN(255) sent to a publisher");
    }
}
