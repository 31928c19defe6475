package io.sluice.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/protocol.md as the tests read it (its worked examples and tables), and HELLO frames built byte by byte the way a
 * client written from the document would send them.
 */
final class ProtocolDocument
{
    private ProtocolDocument()
    {
    }

    /** @return docs/protocol.md, found from the working directory up. */
    static Path path()
    {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("docs/protocol.md")))
        {
            dir = dir.getParent();
        }
        assertTrue(dir != null, "docs/protocol.md not found above " + Path.of("").toAbsolutePath());
        return dir.resolve("docs/protocol.md");
    }

    /** @return the hex dump in the first ``` block after the heading, offsets left out. */
    static String hexAfter(final String heading) throws IOException
    {
        final List<String> lines = Files.readAllLines(path(), StandardCharsets.UTF_8);
        final int at = lines.indexOf(heading);
        assertTrue(at >= 0, "no heading '" + heading + "' in protocol.md");
        final StringBuilder hex = new StringBuilder();
        int i = at + 1;
        while (!lines.get(i).equals("```"))
        {
            i++;
        }
        for (i++; !lines.get(i).equals("```"); i++)
        {
            hex.append(lines.get(i).substring(6).replace(" ", ""));
        }
        return hex.toString();
    }

    /** Asserts the frame is byte for byte the example under the heading; releases it. */
    static void assertMatches(final String heading, final ByteBuf frame) throws IOException
    {
        try
        {
            assertEquals(hexAfter(heading), ByteBufUtil.hexDump(frame), heading);
        }
        finally
        {
            frame.release();
        }
    }

    /** @return a HELLO frame with the given payload and a header of zeros but its length, version and type. */
    static ByteBuf hello(final byte[] payload)
    {
        final ByteBuf frame = Unpooled.buffer();
        frame.writeInt(FrameDescriptor.HEADER_LENGTH + payload.length).writeByte(FrameDescriptor.VERSION)
            .writeByte(FrameType.HELLO).writeShort(0).writeInt(0).writeInt(0).writeLong(0).writeLong(0);
        return frame.writeBytes(payload);
    }

    /** Asserts the HELLO with this payload is refused as MALFORMED_HELLO with a text that starts so. */
    static void assertRefused(final byte[] payload, final String text)
    {
        assertRefused(hello(payload), text);
    }

    /** Asserts the HELLO frame is refused as MALFORMED_HELLO with a text that starts so; releases it. */
    static void assertRefused(final ByteBuf frame, final String text)
    {
        try
        {
            final ProtocolException ex = assertThrows(ProtocolException.class, () -> Hello.parse(frame));
            assertEquals(ErrorCode.MALFORMED_HELLO, ex.code());
            assertTrue(ex.getMessage().startsWith(text), ex.getMessage());
        }
        finally
        {
            frame.release();
        }
    }
}
