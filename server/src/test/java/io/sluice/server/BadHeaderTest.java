package io.sluice.server;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Hello;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.sluice.core.protocol.FrameDescriptor.FLAG_KEYED;
import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.server.RawFrames.ascii;
import static io.sluice.server.RawFrames.concat;
import static io.sluice.server.RawFrames.frame;
import static io.sluice.server.RawFrames.helloPayload;
import static io.sluice.server.RelayUnderBadInput.PUBLISHER;
import static io.sluice.server.RelayUnderBadInput.STREAM;
import static io.sluice.server.RelayUnderBadInput.expectRejected;

/**
 * Frame headers the decoder refuses, before HELLO and after it: a length above the maximum (refused from the length
 * field alone, so nothing of that size is allocated) or below the header's, a version or type it does not know, flags
 * that are undefined or not allowed on the frame's type, a payload on a header-only frame. Each bad connection gets an
 * ERROR of the right code whose text names the offending value, on that connection only, and the relay counts the error
 * exactly once, while a healthy publisher/subscriber pair on the same stream goes on delivering in order
 * ({@link RelayUnderBadInput}). Netty runs with paranoid leak detection, and the leak extension fails the class on any
 * LEAK report.
 */
class BadHeaderTest
{
    private static final int MAX = FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH;

    private final RelayUnderBadInput relay = new RelayUnderBadInput();

    @AfterEach
    void stop()
    {
        relay.close();
    }

    static Stream<Arguments> headerErrors()
    {
        final List<Arguments> cases = new ArrayList<>();
        // Length above the maximum: only the 4-byte length is sent, so the ERROR must come without a body (and so
        // without anything of that size allocated for it).
        for (final int length : new int[]{0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, MAX + 1})
        {
            cases.add(Arguments.of("length " + Integer.toUnsignedString(length),
                ByteBuffer.allocate(4).putInt(length).array(),
                ErrorCode.FRAME_TOO_LARGE,
                new String[]{"frame length " + Integer.toUnsignedString(length), "maximum of " + MAX}));
        }
        for (final int length : new int[]{0, 16, 31})
        {
            cases.add(Arguments.of("length " + length, ByteBuffer.allocate(4).putInt(length).array(),
                ErrorCode.FRAME_TOO_SMALL, new String[]{"frame length " + length + " ", "header length 32"}));
        }
        // A too-small frame followed by what would be its body.
        cases.add(Arguments.of("length 16 with body", concat(ByteBuffer.allocate(4).putInt(16).array(), new byte[12]),
            ErrorCode.FRAME_TOO_SMALL, new String[]{"frame length 16 "}));
        for (final int version : new int[]{0, 2, 255})
        {
            cases.add(Arguments.of("version " + version,
                frame(HEADER_LENGTH, version, FrameType.HEARTBEAT, 0, 0, 0, 0, new byte[0]),
                ErrorCode.UNSUPPORTED_VERSION, new String[]{"protocol version " + version + " "}));
        }
        // The version is refused as soon as byte 4 arrives.
        cases.add(Arguments.of("version 7, 5 bytes only", new byte[]{0, 0, 0, 40, 7},
            ErrorCode.UNSUPPORTED_VERSION, new String[]{"protocol version 7 "}));
        for (final int type : new int[]{0, 9, 255})
        {
            cases.add(Arguments.of("type " + type, frame(HEADER_LENGTH, 1, type, 0, 0, 0, 0, new byte[0]),
                ErrorCode.UNKNOWN_TYPE, new String[]{"frame type " + type + " "}));
        }
        cases.add(Arguments.of("type 9, 6 bytes only", new byte[]{0, 0, 0, 40, 1, 9},
            ErrorCode.UNKNOWN_TYPE, new String[]{"frame type 9 "}));
        for (final int flags : new int[]{0x2, 0x8000, 0x3, 0xFFFF})
        {
            cases.add(Arguments.of("flags 0x" + Integer.toHexString(flags),
                frame(HEADER_LENGTH + 8, 1, FrameType.DATA, flags, 0, 0, 0, new byte[8]),
                ErrorCode.BAD_FLAGS, new String[]{"flags 0x" + Integer.toHexString(flags) + " "}));
        }
        cases.add(Arguments.of("flags 0x4 on HEARTBEAT, 8 bytes only", new byte[]{0, 0, 0, 32, 1, 7, 0, 4},
            ErrorCode.BAD_FLAGS, new String[]{"flags 0x4 "}));
        // Only DATA may be keyed, and a header-only frame has no payload (protocol.md §2, §3.7).
        cases.add(Arguments.of("KEYED on a HEARTBEAT", frame(HEADER_LENGTH, 1, FrameType.HEARTBEAT, FLAG_KEYED, 0, 0, 0,
            new byte[0]), ErrorCode.BAD_FLAGS, new String[]{"KEYED", "HEARTBEAT"}));
        cases.add(Arguments.of("KEYED on a HELLO", frame(FrameType.HELLO, FLAG_KEYED, 0, 0, 0,
            helloPayload(PUBLISHER, ascii(STREAM), new byte[0], new byte[0])), ErrorCode.BAD_FLAGS,
            new String[]{"KEYED", "HELLO"}));
        for (final int type : new int[]{FrameType.HEARTBEAT, FrameType.CLOSE, FrameType.ACK})
        {
            cases.add(Arguments.of(FrameType.name(type) + " with an 8-byte payload",
                frame(type, 0, 0, 0, 0, new byte[8]), ErrorCode.FRAME_TOO_LARGE,
                new String[]{FrameType.name(type) + " frame length 40 ", "no payload"}));
        }
        cases.add(Arguments.of("KEYED DATA with a 4-byte payload",
            frame(HEADER_LENGTH + 4, 1, FrameType.DATA, FLAG_KEYED, 0, 0, 0, new byte[4]),
            ErrorCode.BAD_FLAGS, new String[]{"KEYED", "8-byte key"}));

        final List<Arguments> both = new ArrayList<>();
        for (final Arguments c : cases)
        {
            for (final boolean afterHello : new boolean[]{false, true})
            {
                final Object[] a = c.get();
                // Before its WELCOME a connection may send no frame larger than the largest HELLO.
                final String[] text = ((String[])a[3]).clone();
                for (int i = 0; i < text.length && !afterHello; i++)
                {
                    text[i] = text[i].replace("maximum of " + MAX, "maximum of " + Hello.MAX_FRAME_LENGTH);
                }
                both.add(Arguments.of(a[0] + (afterHello ? ", after HELLO" : ", before HELLO"), a[1], a[2], text,
                    afterHello));
            }
        }
        return both.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void headerErrors(
        final String name, final byte[] bad, final ErrorCode code, final String[] text, final boolean afterHello)
        throws Exception
    {
        relay.start(b -> b, c -> c);
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            if (afterHello)
            {
                peer.handshake(PUBLISHER, STREAM, "");
            }
            peer.send(bad);
            expectRejected(peer, code, text);
        }
        relay.assertOnlyNewError(code);
        relay.assertHealthyPairUnaffected();
    }
}
