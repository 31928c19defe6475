package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.MessageHandler;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Header;
import io.sluice.core.protocol.Hello;
import io.sluice.server.config.RelayConfig;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static io.sluice.core.protocol.FrameDescriptor.FLAG_KEYED;
import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.server.RawFrames.ascii;
import static io.sluice.server.RawFrames.concat;
import static io.sluice.server.RawFrames.data;
import static io.sluice.server.RawFrames.empty;
import static io.sluice.server.RawFrames.frame;
import static io.sluice.server.RawFrames.hello;
import static io.sluice.server.RawFrames.helloPayload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A misbehaving raw-socket peer next to a healthy publisher/subscriber pair on the same stream. For every kind of
 * bad input the relay must answer with an ERROR frame of the right code whose text names the offending value,
 * close that connection only, count the error exactly once, and leave the healthy pair delivering in order.
 * Netty runs with paranoid leak detection, and the leak extension fails the class on any LEAK report.
 */
class BadInputTest
{
    private static final String STREAM = "bad-input";
    private static final int PAYLOAD = 64;
    private static final int PUBLISHER = 1;
    private static final int SUBSCRIBER = 2;
    private static final long WAIT_MS = 10_000;
    private static final int MAX = FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH;

    private Relay relay;
    private SluiceClient client;
    private Publication publication;
    private Subscription subscription;
    private final Received received = new Received();
    private final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
    private long published;
    private Map<ErrorCode, Long> errorsBefore;

    @AfterEach
    void stop()
    {
        if (publication != null)
        {
            publication.close();
        }
        if (subscription != null)
        {
            subscription.close();
        }
        if (client != null)
        {
            client.close();
        }
        if (relay != null)
        {
            relay.close();
        }
    }

    // =============================================================================================================
    // Header errors: refused by the decoder, before HELLO and after it.

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
        startRelayAndHealthyPair(b -> b, c -> c);
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            if (afterHello)
            {
                peer.handshake(PUBLISHER, STREAM, "");
            }
            peer.send(bad);
            expectRejected(peer, code, text);
        }
        assertOnlyNewError(code);
        assertHealthyPairUnaffected();
    }

    // =============================================================================================================
    // Handshake errors

    @ParameterizedTest(name = "{0} before HELLO")
    @ValueSource(ints = {FrameType.DATA, FrameType.HEARTBEAT, FrameType.CLOSE, FrameType.ACK, FrameType.WELCOME})
    void frameBeforeHelloIsRefused(final int type) throws Exception
    {
        startRelayAndHealthyPair(b -> b, c -> c);
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final byte[] bad = type == FrameType.DATA ? data(1, 1, 0) :
                type == FrameType.WELCOME ? frame(type, 0, 0, 0, 0, new byte[16]) : empty(type);
            peer.send(bad);
            expectRejected(peer, ErrorCode.HELLO_REQUIRED, FrameType.name(type));
        }
        assertOnlyNewError(ErrorCode.HELLO_REQUIRED);
        assertHealthyPairUnaffected();
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
        refusedFirstThing(header, ErrorCode.FRAME_TOO_LARGE, "frame length " + length + " ",
            "maximum of " + Hello.MAX_FRAME_LENGTH);
    }

    @ParameterizedTest(name = "token of {0} bytes")
    @ValueSource(ints = {0, 1024})
    void theLargestHelloIsWelcomedAndLargeFramesAreAcceptedAfterIt(final int tokenLength) throws Exception
    {
        final String token = "t".repeat(tokenLength);
        startRelayAndHealthyPair(b -> b.authToken(token), c -> c.withAuthToken(token));
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
        assertEquals(errorsBefore, relay.metrics().protocolErrorsByCode());
        assertHealthyPairUnaffected();
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
        refusedFirstThing(frame(FrameType.HELLO, 0, 0, 0, 0, helloPayload), ErrorCode.MALFORMED_HELLO, text);
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
        refusedFirstThing(hello, ErrorCode.MALFORMED_HELLO, text);
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
        startRelayAndHealthyPair(b -> b.helloTimeoutMs(300), c -> c);
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
        assertOnlyNewError(ErrorCode.HELLO_TIMEOUT);
        assertHealthyPairUnaffected();
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
        startRelayAndHealthyPair(b -> b.authToken("s3cret"), c -> c.withAuthToken("s3cret"));
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            peer.send(hello(role, STREAM, "", token));
            // The same text whatever was wrong: the relay's log and sluice_auth_failures_total say which.
            final RawPeer.Frame error = expectRejected(peer, ErrorCode.AUTH_FAILED, "authentication failed");
            assertFalse(error.errorText().contains("s3cret"),
                "the ERROR text gives the configured token away: " + error);
        }
        assertOnlyNewError(ErrorCode.AUTH_FAILED);
        assertHealthyPairUnaffected();
    }

    // =============================================================================================================
    // Liveness

    static Stream<Arguments> silentPeers()
    {
        return Stream.of(
            Arguments.of("silent publisher", PUBLISHER, false),
            Arguments.of("silent subscriber", SUBSCRIBER, false),
            Arguments.of("publisher silent after half a DATA frame", PUBLISHER, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("silentPeers")
    void silentPeerTimesOut(final String name, final int role, final boolean halfFrame) throws Exception
    {
        startRelayAndHealthyPair(
            b -> b.heartbeatIntervalMs(100).heartbeatTimeoutMs(500), c -> c.withHeartbeat(100, 2_000));
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final long start = System.nanoTime();
            final RawPeer.Frame welcome = peer.handshake(role, STREAM, "");
            if (halfFrame)
            {
                final byte[] dataFrame = data(welcome.streamId(), welcome.sourceId(), 0);
                peer.send(Arrays.copyOf(dataFrame, 20));
            }
            expectRejected(peer, ErrorCode.HEARTBEAT_TIMEOUT, "timeout 500 ms");
            final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(elapsedMs >= 500, "HEARTBEAT_TIMEOUT after only " + elapsedMs + " ms");
        }
        assertOnlyNewError(ErrorCode.HEARTBEAT_TIMEOUT);
        assertHealthyPairUnaffected();
    }

    // =============================================================================================================
    // Errors after the handshake

    static Stream<Arguments> unexpectedFrames()
    {
        return Stream.of(
            Arguments.of("second HELLO from a publisher", PUBLISHER, FrameType.HELLO),
            Arguments.of("second HELLO from a subscriber", SUBSCRIBER, FrameType.HELLO),
            Arguments.of("DATA from a subscriber", SUBSCRIBER, FrameType.DATA),
            Arguments.of("ACK from a publisher", PUBLISHER, FrameType.ACK),
            Arguments.of("GAP from a subscriber", SUBSCRIBER, FrameType.GAP),
            Arguments.of("WELCOME from a publisher", PUBLISHER, FrameType.WELCOME));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unexpectedFrames")
    void unexpectedFrameAfterHandshake(final String name, final int role, final int type) throws Exception
    {
        startRelayAndHealthyPair(b -> b, c -> c);
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = peer.handshake(role, STREAM, "");
            final byte[] bad;
            switch (type)
            {
                case FrameType.HELLO -> bad = hello(role, STREAM, "", "");
                case FrameType.DATA -> bad = data(welcome.streamId(), welcome.sourceId(), 0);
                case FrameType.GAP -> bad = frame(type, 0, welcome.streamId(), 0, 0, new byte[32]);
                case FrameType.WELCOME -> bad = frame(type, 0, welcome.streamId(), 0, 0, new byte[16]);
                default -> bad = frame(type, 0, welcome.streamId(), welcome.sourceId(), 0, new byte[0]);
            }
            peer.send(bad);
            expectRejected(peer, ErrorCode.UNEXPECTED_FRAME, FrameType.name(type));
        }
        assertOnlyNewError(ErrorCode.UNEXPECTED_FRAME);
        assertHealthyPairUnaffected();
    }

    // =============================================================================================================
    // ERROR from a client (protocol.md §3: either side may send it): logged, counted, the connection closed cleanly
    // with no ERROR in answer; what the publisher sent before it is still delivered.

    static Stream<Arguments> errorsFromClients()
    {
        return Stream.of(
            Arguments.of("publisher, INTERNAL after 5 DATA", PUBLISHER, RawFrames.error(17, "client gave up"),
                ErrorCode.INTERNAL),
            Arguments.of("publisher, code unknown to the relay", PUBLISHER, RawFrames.error(4711, "new in version 2"),
                ErrorCode.INTERNAL),
            Arguments.of("subscriber, HEARTBEAT_TIMEOUT", SUBSCRIBER,
                RawFrames.error(ErrorCode.HEARTBEAT_TIMEOUT.code(), "nothing received for 10001 ms"),
                ErrorCode.HEARTBEAT_TIMEOUT),
            Arguments.of("subscriber, payload too short for a code", SUBSCRIBER,
                frame(FrameType.ERROR, 0, 0, 0, 0, new byte[2]), ErrorCode.INTERNAL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errorsFromClients")
    void errorFromAClientClosesItsConnectionCleanly(final String name, final int role, final byte[] error,
        final ErrorCode counted) throws Exception
    {
        startRelayAndHealthyPair(b -> b, c -> c);
        final int rawSource;
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = peer.handshake(role, STREAM, "");
            rawSource = welcome.sourceId();
            if (role == PUBLISHER)
            {
                final byte[][] frames = new byte[6][];
                for (int i = 0; i < 5; i++)
                {
                    frames[i] = data(welcome.streamId(), rawSource, i);
                }
                frames[5] = error;
                peer.send(concat(frames));
            }
            else
            {
                peer.send(error);
            }
            for (final RawPeer.Frame frame : peer.readUntilClosedWithoutError())
            {
                assertTrue(frame.type() == FrameType.ACK || frame.type() == FrameType.HEARTBEAT, "relay sent " + frame);
            }
        }
        awaitCondition(() -> "the ERROR counted; received now " + relay.metrics().errorsReceivedByCode(),
            () -> relay.metrics().errorsReceived(counted) == 1);
        assertEquals(Map.of(counted, 1L), relay.metrics().errorsReceivedByCode(), "ERROR frames received by code");
        assertEquals(errorsBefore, relay.metrics().protocolErrorsByCode(), "a client's ERROR is no protocol error");
        if (role == PUBLISHER)
        {
            awaitCondition(() -> "the 5 messages before the ERROR; got " + received.from(rawSource),
                () ->
                {
                    subscription.poll(received, 100);
                    return received.from(rawSource) == 5;
                });
        }
        assertHealthyPairUnaffected();
    }

    static Stream<Arguments> wrongStreams()
    {
        return Stream.of(
            Arguments.of("other stream id"),
            Arguments.of("other source id"),
            Arguments.of("the healthy publisher's source id"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrongStreams")
    void dataForAnotherStreamOrSource(final String name) throws Exception
    {
        startRelayAndHealthyPair(b -> b, c -> c);
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = peer.handshake(PUBLISHER, STREAM, "");
            int streamId = welcome.streamId();
            int sourceId = welcome.sourceId();
            final String named;
            switch (name)
            {
                case "other stream id" -> named = "stream " + (streamId = welcome.streamId() + 1000);
                case "other source id" -> named = "source " + (sourceId = welcome.sourceId() + 1000);
                default -> named = "source " + (sourceId = publication.sourceId());
            }
            assertTrue(sourceId != welcome.sourceId() || streamId != welcome.streamId(), "test set-up");
            // Sequence 0 continues the healthy publisher's sequence nowhere: an impersonation would show as a
            // duplicate in the order check.
            peer.send(data(streamId, sourceId, 0));
            expectRejected(peer, ErrorCode.WRONG_STREAM, named + " ");
        }
        assertOnlyNewError(ErrorCode.WRONG_STREAM);
        assertHealthyPairUnaffected();
    }

    static Stream<Arguments> badSequences()
    {
        return Stream.of(
            Arguments.of("first DATA with sequence 1", new long[]{1}, 1L, 0L),
            Arguments.of("0, 1, 3", new long[]{0, 1, 3}, 3L, 2L),
            Arguments.of("0, 0", new long[]{0, 0}, 0L, 1L),
            Arguments.of("0, -1", new long[]{0, -1}, -1L, 1L),
            Arguments.of("0 .. 4, 6", new long[]{0, 1, 2, 3, 4, 6}, 6L, 5L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSequences")
    void dataWithSkippingSequence(final String name, final long[] sequences, final long bad, final long expected)
        throws Exception
    {
        startRelayAndHealthyPair(b -> b, c -> c);
        final int rawSource;
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = peer.handshake(PUBLISHER, STREAM, "");
            rawSource = welcome.sourceId();
            final byte[][] frames = new byte[sequences.length][];
            for (int i = 0; i < sequences.length; i++)
            {
                frames[i] = data(welcome.streamId(), rawSource, sequences[i]);
            }
            peer.send(concat(frames));
            expectRejected(peer, ErrorCode.BAD_SEQUENCE, "sequence " + bad + " ", " " + expected + " ");
        }
        assertOnlyNewError(ErrorCode.BAD_SEQUENCE);
        assertHealthyPairUnaffected();
        // Only the valid prefix of the bad publisher's frames may have reached the subscriber, and in order.
        assertTrue(received.from(rawSource) <= expected,
            "subscriber got " + received.from(rawSource) + " messages from the bad source; valid prefix was " +
                expected);
    }

    // =============================================================================================================
    // Input after the offending frame, in the same write, must be discarded: one ERROR, one count, and nothing
    // from after the error forwarded.

    static Stream<Arguments> inputAfterAnError()
    {
        return Stream.of(
            Arguments.of("malformed HELLO, then DATA and HEARTBEAT", ErrorCode.MALFORMED_HELLO, 0),
            Arguments.of("DATA before HELLO, then HEARTBEAT and a HELLO", ErrorCode.HELLO_REQUIRED, 0),
            Arguments.of("DATA 0, DATA 2, HEARTBEAT, DATA 1, DATA 5", ErrorCode.BAD_SEQUENCE, PUBLISHER),
            Arguments.of("DATA from a subscriber, HEARTBEAT, DATA", ErrorCode.UNEXPECTED_FRAME, SUBSCRIBER),
            Arguments.of("second HELLO, then HEARTBEAT and ACK", ErrorCode.UNEXPECTED_FRAME, PUBLISHER));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inputAfterAnError")
    void inputAfterAnErrorIsDiscarded(final String name, final ErrorCode code, final int role) throws Exception
    {
        startRelayAndHealthyPair(b -> b, c -> c);
        int rawSource = -1;
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final byte[] bad;
            if (role == 0)
            {
                bad = code == ErrorCode.MALFORMED_HELLO ?
                    concat(frame(FrameType.HELLO, 0, 0, 0, 0, helloPayload(9, ascii(STREAM), new byte[0], new byte[0])),
                        data(1, 1, 0), empty(FrameType.HEARTBEAT)) :
                    concat(data(1, 1, 0), empty(FrameType.HEARTBEAT), hello(PUBLISHER, STREAM, "", ""));
            }
            else
            {
                final RawPeer.Frame welcome = peer.handshake(role, STREAM, "");
                final int s = welcome.streamId();
                rawSource = welcome.sourceId();
                if (code == ErrorCode.BAD_SEQUENCE)
                {
                    bad = concat(data(s, rawSource, 0), data(s, rawSource, 2), empty(FrameType.HEARTBEAT),
                        data(s, rawSource, 1), data(s, rawSource, 5));
                }
                else if (role == SUBSCRIBER)
                {
                    bad = concat(data(s, 0, 0), empty(FrameType.HEARTBEAT), data(s, 0, 1));
                }
                else
                {
                    bad = concat(hello(PUBLISHER, STREAM, "", ""), empty(FrameType.HEARTBEAT), empty(FrameType.ACK));
                }
            }
            peer.send(bad);
            expectRejected(peer, code);
        }
        assertOnlyNewError(code);
        assertHealthyPairUnaffected();
        if (code == ErrorCode.BAD_SEQUENCE)
        {
            assertTrue(received.from(rawSource) <= 1,
                "frames after the BAD_SEQUENCE were forwarded: subscriber got " + received.from(rawSource) +
                " messages from the bad source");
        }
    }

    // =============================================================================================================
    // Truncation: the peer closes in the middle of a frame. No ERROR can be sent; the relay counts it.

    static Stream<Arguments> truncations()
    {
        return Stream.of(
            Arguments.of("2 bytes of a length", 0, 2),
            Arguments.of("half a HELLO", 0, -1),
            Arguments.of("half a DATA frame after HELLO", PUBLISHER, 20),
            Arguments.of("DATA header without its payload after HELLO", PUBLISHER, HEADER_LENGTH),
            Arguments.of("half a HEARTBEAT from a subscriber", SUBSCRIBER, 16));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("truncations")
    void frameTruncatedByClose(final String name, final int role, final int bytes) throws Exception
    {
        startRelayAndHealthyPair(b -> b, c -> c);
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            if (role == 0)
            {
                final byte[] helloFrame = hello(PUBLISHER, STREAM, "", "");
                peer.send(Arrays.copyOf(helloFrame, bytes < 0 ? helloFrame.length / 2 : bytes));
            }
            else
            {
                final RawPeer.Frame welcome = peer.handshake(role, STREAM, "");
                final byte[] whole = role == PUBLISHER ? data(welcome.streamId(), welcome.sourceId(), 0) :
                    empty(FrameType.HEARTBEAT);
                peer.send(Arrays.copyOf(whole, bytes));
            }
        }
        awaitCondition(() -> "TRUNCATED_FRAME counted; errors now " + relay.metrics().protocolErrorsByCode(),
            () -> relay.metrics().protocolErrors(ErrorCode.TRUNCATED_FRAME) >
                count(errorsBefore, ErrorCode.TRUNCATED_FRAME));
        assertOnlyNewError(ErrorCode.TRUNCATED_FRAME);
        assertHealthyPairUnaffected();
    }

    // =============================================================================================================
    // Random input

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void randomBytes(final long seed) throws Exception
    {
        startRelayAndHealthyPair(b -> b.helloTimeoutMs(1_000), c -> c);
        final byte[] bytes = new byte[4096];
        new Random(seed).nextBytes(bytes);
        final RawPeer.Frame error;
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            peer.send(bytes);
            error = peer.awaitError(WAIT_MS);
            peer.assertClosedByRelay();
        }
        assertOnlyNewError(error.errorCode());
        assertHealthyPairUnaffected();
    }

    /**
     * Frames after a valid HELLO whose header fields are drawn from valid and invalid values, so that the fuzz gets
     * past the length check and reaches every later check, the publisher's handler included.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void randomFramesAfterHello(final long seed) throws Exception
    {
        startRelayAndHealthyPair(b -> b, c -> c);
        final Random random = new Random(seed);
        final RawPeer.Frame error;
        final int rawSource;
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = peer.handshake(random.nextBoolean() ? PUBLISHER : SUBSCRIBER, STREAM, "");
            rawSource = welcome.sourceId();
            final ByteBuffer out = ByteBuffer.allocate(4096);
            long sequence = 0;
            while (out.remaining() >= HEADER_LENGTH + 64)
            {
                final int[] types = {FrameType.DATA, FrameType.DATA, FrameType.DATA, FrameType.HEARTBEAT,
                    random.nextInt(256), FrameType.HELLO, FrameType.ACK};
                int type = types[random.nextInt(types.length)];
                if (type == FrameType.CLOSE || type == FrameType.ERROR)
                {
                    type = FrameType.MAX_TYPE + 1; // an orderly goodbye, or the client's ERROR, closes without one
                }
                // Header-only frames mostly without a payload, so that the fuzz goes past them.
                final byte[] body =
                    new byte[FrameType.isHeaderOnly(type) && random.nextInt(8) != 0 ? 0 : random.nextInt(40)];
                random.nextBytes(body);
                final int length =
                    random.nextInt(8) == 0 ? random.nextInt(HEADER_LENGTH + 64) : HEADER_LENGTH + body.length;
                final int version = random.nextInt(10) == 0 ? random.nextInt(256) : 1;
                final int flags =
                    random.nextInt(10) == 0 ? random.nextInt(65536) : (random.nextInt(4) == 0 ? FLAG_KEYED : 0);
                final int streamId = random.nextInt(10) == 0 ? random.nextInt() : welcome.streamId();
                final int sourceId = random.nextInt(10) == 0 ? random.nextInt() : welcome.sourceId();
                final long seq = random.nextInt(10) == 0 ? random.nextLong() : sequence;
                if (body.length >= 8)
                {
                    RawFrames.sequencePayload(body, seq); // what OrderCheckingHandler expects of a forwarded frame
                }
                if (type == FrameType.DATA)
                {
                    sequence++;
                }
                out.put(frame(length, version, type, flags, streamId, sourceId, seq, body));
            }
            peer.send(Arrays.copyOf(out.array(), out.position()));
            error = peer.awaitError(WAIT_MS);
            peer.assertClosedByRelay();
        }
        assertOnlyNewError(error.errorCode());
        assertHealthyPairUnaffected();
        if (rawSource != 0)
        {
            assertTrue(received.order.clean(),
                "frames from the fuzzing publisher arrived out of order: " + received.order);
        }
    }

    // =============================================================================================================
    // Helpers

    private void startRelayAndHealthyPair(
        final UnaryOperator<RelayConfig.Builder> relayTweak, final UnaryOperator<ClientConfig> clientTweak)
        throws Exception
    {
        relay = Relay.start(relayTweak.apply(RelayConfig.builder().port(0).ioThreads(2)
            .helloTimeoutMs(5_000).heartbeatIntervalMs(1_000).heartbeatTimeoutMs(10_000)).build());
        client = new SluiceClient(clientTweak.apply(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)));
        subscription = client.subscribe(STREAM);
        publication = client.publish(STREAM);
        publishAndAwait(200);
        errorsBefore = relay.metrics().protocolErrorsByCode();
        assertTrue(errorsBefore.isEmpty(), "protocol errors before the test: " + errorsBefore);
    }

    /**
     * A new connection whose first bytes are {@code bad} gets an ERROR of {@code code} naming {@code text} and is
     * closed; the relay counts that error only, and the healthy pair goes on.
     */
    private void refusedFirstThing(final byte[] bad, final ErrorCode code, final String... text) throws Exception
    {
        startRelayAndHealthyPair(b -> b, c -> c);
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            peer.send(bad);
            expectRejected(peer, code, text);
        }
        assertOnlyNewError(code);
        assertHealthyPairUnaffected();
    }

    /** Reads the ERROR, checks its code and that its text names the offending value, then expects the close. */
    private static RawPeer.Frame expectRejected(final RawPeer peer, final ErrorCode code, final String... textParts)
        throws IOException
    {
        final RawPeer.Frame error = peer.awaitError(WAIT_MS);
        assertEquals(code, error.errorCode(), "wrong error code in " + error);
        assertEquals(0, error.flags(), "ERROR flags");
        for (final String part : textParts)
        {
            assertTrue(error.errorText().contains(part),
                "ERROR text does not name '" + part + "': " + error.errorText());
        }
        peer.assertClosedByRelay();
        return error;
    }

    /** The relay counted exactly one new protocol error, of {@code code}, and nothing else. */
    private void assertOnlyNewError(final ErrorCode code)
    {
        awaitCondition(() -> code + " counted; errors now " + relay.metrics().protocolErrorsByCode(),
            () -> relay.metrics().protocolErrors(code) > count(errorsBefore, code));
        final Map<ErrorCode, Long> expected = new EnumMap<>(ErrorCode.class);
        expected.putAll(errorsBefore);
        expected.merge(code, 1L, Long::sum);
        assertEquals(expected, relay.metrics().protocolErrorsByCode(), "protocol errors by code");
    }

    /**
     * The bad connection is gone from the relay's gauges, and the healthy pair is still connected and still delivers
     * everything, in order.
     */
    private void assertHealthyPairUnaffected()
    {
        awaitCondition(() -> "only the healthy pair connected; publishers=" + relay.metrics().publishers() +
                " subscribers=" + relay.metrics().subscribers(),
            () -> relay.metrics().publishers() == 1 && relay.metrics().subscribers() == 1);
        assertTrue(publication.isConnected(), "healthy publication dropped: " + publication.closeReason());
        assertTrue(subscription.isConnected(), "healthy subscription dropped: " + subscription.closeReason());
        publishAndAwait(1_000);
        assertTrue(publication.isConnected(), "healthy publication dropped: " + publication.closeReason());
        assertTrue(subscription.isConnected(), "healthy subscription dropped: " + subscription.closeReason());
        assertTrue(received.order.clean(), received.order.toString());
        assertEquals(0, received.order.gaps, "GAPs on a throttle stream");
        // No late second error either.
        final long total = relay.metrics().protocolErrors();
        assertTrue(total <= sum(errorsBefore) + 1,
            "more than one protocol error: " + relay.metrics().protocolErrorsByCode());
    }

    private void publishAndAwait(final int count)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        for (int i = 0; i < count; i++)
        {
            payload.putLong(0, published);
            long result;
            while ((result = publication.offer(payload, 0, PAYLOAD)) < 0)
            {
                if (result != Publication.BACK_PRESSURED)
                {
                    fail("offer returned " + result + ": " + publication.closeReason());
                }
                if (System.nanoTime() - deadline > 0)
                {
                    fail("back-pressured for " + WAIT_MS + " ms after " + i + " of " + count + " messages");
                }
                if (subscription.poll(received, 1_000) == 0)
                {
                    Thread.onSpinWait();
                }
            }
            published++;
        }
        final int source = publication.sourceId();
        awaitCondition(() -> "all " + published + " healthy messages; got " + received.from(source) + ", " +
                received.order + ", subscription connected=" + subscription.isConnected() + " (" +
                subscription.closeReason() + ")",
            () ->
            {
                subscription.poll(received, 10_000);
                return received.from(source) >= published;
            });
        assertEquals(published, received.from(source), "healthy messages received");
    }

    private static void awaitCondition(final Supplier<String> what, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + WAIT_MS + " ms waiting for " + what.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static long count(final Map<ErrorCode, Long> errors, final ErrorCode code)
    {
        return errors.getOrDefault(code, 0L);
    }

    private static long sum(final Map<ErrorCode, Long> errors)
    {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Order checking over every source, plus a count per source. */
    private static final class Received implements MessageHandler
    {
        final OrderCheckingHandler order = new OrderCheckingHandler();
        private final Map<Integer, Long> bySource = new HashMap<>();

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            order.onMessage(buffer, offset, length, header);
            bySource.merge(header.sourceId(), 1L, Long::sum);
        }

        @Override
        public void onGap(final Header header)
        {
            order.onGap(header);
        }

        long from(final int sourceId)
        {
            return bySource.getOrDefault(sourceId, 0L);
        }
    }
}
