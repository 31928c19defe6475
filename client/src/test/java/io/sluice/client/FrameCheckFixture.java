package io.sluice.client;

import io.sluice.core.protocol.ErrorCode;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

import static io.sluice.core.protocol.FrameDescriptor.FLAGS_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.LENGTH_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.TYPE_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.VERSION_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A header written where a check reads it, away from the buffer's start, and the assertion that a check refused it
 * with a given code and text.
 */
final class FrameCheckFixture
{
    /** Where the header starts. */
    static final int AT = 16;

    /** The buffer the header is written to. */
    final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);

    /**
     * Writes a header at {@link #AT}.
     *
     * @return its length field, for the check's frameLength.
     */
    int header(final int length, final int version, final int type, final int flags)
    {
        buffer.putInt(AT + LENGTH_OFFSET, length, ByteOrder.BIG_ENDIAN);
        buffer.putByte(AT + VERSION_OFFSET, (byte)version);
        buffer.putByte(AT + TYPE_OFFSET, (byte)type);
        buffer.putShort(AT + FLAGS_OFFSET, (short)flags, ByteOrder.BIG_ENDIAN);
        return length;
    }

    static void assertRefused(final FrameCheck check, final boolean passed, final ErrorCode code, final String text)
    {
        assertFalse(passed, text);
        assertEquals(code, check.errorCode());
        assertEquals(text, check.errorText());
    }
}
