package io.sluice.server;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Hello;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.server.RawFrames.ascii;
import static io.sluice.server.RawFrames.concat;
import static io.sluice.server.RawFrames.data;
import static io.sluice.server.RawFrames.empty;
import static io.sluice.server.RawFrames.frame;
import static io.sluice.server.RawFrames.hello;
import static io.sluice.server.RawFrames.helloPayload;
import static io.sluice.server.RelayUnderBadInput.PUBLISHER;
import static io.sluice.server.RelayUnderBadInput.STREAM;
import static io.sluice.server.RelayUnderBadInput.SUBSCRIBER;
import static io.sluice.server.RelayUnderBadInput.expectRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connections that get the handshake wrong: another frame before HELLO, a frame too large to be a HELLO (refused from
 * its length, before anything of it is buffered), a malformed HELLO payload, a HELLO header carrying ids, no HELLO
 * within the hello timeout, a wrong auth token; and the largest valid HELLO, which is welcomed. Each bad connection
 * gets an ERROR of the right code whose text names the offending value, on that connection only, and the relay counts
 * the error exactly once, while a healthy publisher/subscriber pair on the same stream goes on delivering in order
 * ({@link RelayUnderBadInput}). Netty runs with paranoid leak detection, and the leak extension fails the class on any
 * LEAK report.
 */
class BadHandshakeTest
{
    private static final int MAX = FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH;

    private final RelayUnderBadInput relay = new RelayUnderBadInput();

    @AfterEach
    void stop()
    {
        relay.close();
    }

    @ParameterizedTest(name = "{0} before HELLO")
    @ValueSource(ints = {FrameType.DATA, FrameType.HEARTBEAT, FrameType.CLOSE, FrameType.ACK, FrameType.WELCOME})
    void frameBeforeHelloIsRefused(final int type) throws Exception
    {
        relay.start(b -> b, c -> c);
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final byte[] bad = type == FrameType.DATA ? data(1, 1, 0) :
                type == FrameType.WELCOME ? frame(type, 0, 0, 0, 0, new byte[16]) : empty(type);
            peer.send(bad);
            expectRejected(peer, ErrorCode.HELLO_REQUIRED, FrameType.name(type));
        }
        relay.assertOnlyNewError(ErrorCode.HELLO_REQUIRED);
        relay.assertHealthyPairUnaffected();
    }

    /**
     * A HELLO larger than any valid one (protocol.md §8) is refused from its length field, before anything of it is
     * buffered: a connection that has not shown its token cannot make the relay hold a frame of max-frame-length.
     */
    static Stream<Arguments> oversizedHellos()
    {
        return Stream.of(
            Arguments.of("header of a 1 MiB HELLO", frame(MAX, 1, FrameType.HELLO, 0, 0, 0, 0, new byte[0]), MAX),
            Arguments.of("length of a 1 MiB HELLO only", ByteBuffer.allocate(4).putInt(MAX).array(), MAX),
            Arguments.of("header of a HELLO one byte too long",
                frame(Hello.MAX_FRAME_LENGTH + 1, 1, FrameType.HELLO, 0, 0, 0, 0, new byte[0]),
                Hello.MAX_FRAME_LENGTH + 1),
            Arguments.of("header of a 64 KiB DATA frame before HELLO",
                frame(64 * 1024, 1, FrameType.DATA, 0, 1, 1, 0, new byte[0]), 64 * 1024));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void oversizedHellos(final String name, final byte[] header, final int length) throws Exception
    {
        relay.refusedFirstThing(header, ErrorCode.FRAME_TOO_LARGE, "frame length " + length + " ",
            "maximum of " + Hello.MAX_FRAME_LENGTH);
    }

    @ParameterizedTest(name = "token of {0} bytes")
    @ValueSource(ints = {0, 1024})
    void theLargestHelloIsWelcomedAndLargeFramesAreAcceptedAfterIt(final int tokenLength) throws Exception
    {
        final String token = "t".repeat(tokenLength);
        relay.start(b -> b.authToken(token), c -> c.withAuthToken(token));
        final String longest = "s".repeat(Hello.MAX_NAME_LENGTH);
        // The largest HELLO is an acknowledging subscriber's: feature 0x02 and its window (0, 0: the relay's).
        final byte[] payload = RawFrames.concat(helloPayload(SUBSCRIBER, ascii(longest), ascii(longest), ascii(token)),
            new byte[Hello.WINDOW_LENGTH]);
        payload[1] = Hello.FEATURE_ACKNOWLEDGED_DELIVERY;
        final byte[] largest = frame(FrameType.HELLO, 0, 0, 0, 0, payload);
        assertEquals(tokenLength == Hello.MAX_TOKEN_LENGTH, largest.length == Hello.MAX_FRAME_LENGTH, "test set-up");
        try (RawPeer subscriber = new RawPeer(relay.port()); RawPeer publisher = new RawPeer(relay.port()))
        {
            subscriber.send(largest);
            assertEquals(FrameType.WELCOME, subscriber.readFrame().type());
            // After its WELCOME a publisher may send frames up to max-frame-length (FrameDecoderTest checks the limit
            // is raised before the next frame of the same read).
            publisher.send(frame(FrameType.HELLO, 0, 0, 0, 0, helloPayload(PUBLISHER, ascii(longest), new byte[0],
                ascii(token))));
            final RawPeer.Frame welcome = publisher.readFrame();
            assertEquals(FrameType.WELCOME, welcome.type());
            final byte[] big = new byte[MAX - HEADER_LENGTH];
            RawFrames.sequencePayload(big, 0);
            publisher.send(frame(FrameType.DATA, 0, welcome.streamId(), welcome.sourceId(), 0, big));
            final RawPeer.Frame data = subscriber.readFrame();
            assertEquals(FrameType.DATA, data.type(), data.toString());
            assertEquals(MAX, data.length());
        }
        assertEquals(relay.errorsBefore(), relay.metrics().protocolErrorsByCode());
        relay.assertHealthyPairUnaffected();
    }

    static Stream<Arguments> malformedHellos()
    {
        final byte[] none = new byte[0];
        final byte[] stream = ascii(STREAM);
        return Stream.of(
            Arguments.of("role 3", helloPayload(3, stream, none, none), new String[]{"role 3 "}),
            Arguments.of("role 0", helloPayload(0, stream, none, none), new String[]{"role 0 "}),
            Arguments.of("stream name with '/'", helloPayload(PUBLISHER, ascii("a/b"), none, none),
                new String[]{"'a/b'", "'/'"}),
            Arguments.of("stream name with a space", helloPayload(SUBSCRIBER, ascii("bad name"), none, none),
                new String[]{"'bad name'", "' '"}),
            Arguments.of("stream name with a non-ASCII byte",
                helloPayload(PUBLISHER, new byte[]{'a', (byte)0xE9}, none, none),
                new String[]{"stream name 'a"}),
            Arguments.of("empty stream name", helloPayload(PUBLISHER, none, none, none),
                new String[]{"stream name is empty"}),
            Arguments.of("subscription name with '!'", helloPayload(SUBSCRIBER, stream, ascii("sub!"), none),
                new String[]{"'sub!'", "'!'"}),
            Arguments.of("stream name length 300", helloPayload(PUBLISHER, new byte[300], none, none),
                new String[]{"stream name length 300 "}),
            // The length alone: 2000 bytes of token would make the frame larger than any HELLO (FRAME_TOO_LARGE).
            Arguments.of("auth token length 2000", concat(new byte[]{1, 0, 0, 1, 'a', 0, 0, 0x07, (byte)0xD0},
                new byte[20]), new String[]{"auth token length 2000 "}),
            Arguments.of("stream name running past the frame",
                new byte[]{1, 0, 0, 50, 'a', 'b', 'c', 0, 0, 0, 0}, new String[]{"stream name runs past the frame"}),
            Arguments.of("subscription name running past the frame",
                concat(new byte[]{2, 0, 0, 1, 'a', 0, 9}, ascii("abc")),
                new String[]{"subscription name runs past the frame"}),
            Arguments.of("auth token running past the frame",
                concat(new byte[]{1, 0, 0, 1, 'a', 0, 0, 0, 40}, ascii("tok")),
                new String[]{"auth token runs past the frame"}),
            Arguments.of("ending before the subscription name length", new byte[]{1, 0, 0, 1, 'a'},
                new String[]{"before the subscription name length"}),
            Arguments.of("ending before the auth token length", new byte[]{1, 0, 0, 1, 'a', 0, 0},
                new String[]{"before the auth token length"}),
            Arguments.of("2 trailing bytes", concat(helloPayload(PUBLISHER, stream, none, none), new byte[2]),
                new String[]{"2 trailing bytes"}),
            Arguments.of("payload of 3 bytes", new byte[]{1, 0, 0}, new String[]{"shorter than 4 bytes"}),
            Arguments.of("publisher naming a subscription", helloPayload(PUBLISHER, stream, ascii("audit"), none),
                new String[]{"publisher", "'audit'"}),
            Arguments.of("auth token that is not UTF-8", helloPayload(SUBSCRIBER, stream, none,
                new byte[]{'a', (byte)0xC3, '(', (byte)0xFF}), new String[]{"auth token is not valid UTF-8"}),
            Arguments.of("empty payload", none, new String[]{"shorter than 4 bytes"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void malformedHellos(final String name, final byte[] helloPayload, final String[] text) throws Exception
    {
        relay.refusedFirstThing(frame(FrameType.HELLO, 0, 0, 0, 0, helloPayload), ErrorCode.MALFORMED_HELLO, text);
    }

    /** The ids are the relay's to give (WELCOME): a HELLO's header carries none. */
    static Stream<Arguments> helloHeadersWithIds()
    {
        final byte[] payload = helloPayload(PUBLISHER, ascii(STREAM), new byte[0], new byte[0]);
        return Stream.of(
            Arguments.of("stream id 7", frame(FrameType.HELLO, 0, 7, 0, 0, payload), "HELLO stream id 7 is not 0"),
            Arguments.of("source id 3", frame(FrameType.HELLO, 0, 0, 3, 0, payload), "HELLO source id 3 is not 0"),
            Arguments.of("sequence 1", frame(FrameType.HELLO, 0, 0, 0, 1, payload), "HELLO sequence 1 is not 0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void helloHeadersWithIds(final String name, final byte[] hello, final String text) throws Exception
    {
        relay.refusedFirstThing(hello, ErrorCode.MALFORMED_HELLO, text);
    }

    static Stream<Arguments> helloTimeouts()
    {
        final byte[] helloFrame = hello(PUBLISHER, STREAM, "", "");
        return Stream.of(
            Arguments.of("nothing sent", new byte[0]),
            Arguments.of("half a HELLO sent", Arrays.copyOf(helloFrame, helloFrame.length / 2)),
            Arguments.of("3 bytes of a length sent", new byte[]{0, 0, 0}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("helloTimeouts")
    void noHelloWithinTheHelloTimeout(final String name, final byte[] partial) throws Exception
    {
        relay.start(b -> b.helloTimeoutMs(300), c -> c);
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final long start = System.nanoTime();
            if (partial.length > 0)
            {
                peer.send(partial);
            }
            expectRejected(peer, ErrorCode.HELLO_TIMEOUT, "300 ms");
            final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(elapsedMs >= 290, "HELLO_TIMEOUT after only " + elapsedMs + " ms");
        }
        relay.assertOnlyNewError(ErrorCode.HELLO_TIMEOUT);
        relay.assertHealthyPairUnaffected();
    }

    static Stream<Arguments> authFailures()
    {
        return Stream.of(
            Arguments.of("wrong token", PUBLISHER, "wrong"),
            Arguments.of("no token", PUBLISHER, ""),
            Arguments.of("prefix of the token", SUBSCRIBER, "s3cre"),
            Arguments.of("token plus a character", SUBSCRIBER, "s3cret!"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("authFailures")
    void wrongAuthToken(final String name, final int role, final String token) throws Exception
    {
        relay.start(b -> b.authToken("s3cret"), c -> c.withAuthToken("s3cret"));
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            peer.send(hello(role, STREAM, "", token));
            // The same text whatever was wrong: the relay's log and sluice_auth_failures_total say which.
            final RawPeer.Frame error = expectRejected(peer, ErrorCode.AUTH_FAILED, "authentication failed");
            assertFalse(error.errorText().contains("s3cret"),
                "the ERROR text gives the configured token away: " + error);
        }
        relay.assertOnlyNewError(ErrorCode.AUTH_FAILED);
        relay.assertHealthyPairUnaffected();
    }
}
