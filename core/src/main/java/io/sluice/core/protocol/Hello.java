package io.sluice.core.protocol;

import io.netty.buffer.ByteBuf;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * The parsed payload of a HELLO frame. Parsed once per connection, so it may allocate.
 *
 * <pre>
 *  offset  size  field
 *  0       1     role (1 publisher, 2 subscriber)
 *  1       1     features: a bit set, 0 for none; {@value #FEATURE_IDENTIFIED_PUBLISHER} identified publisher
 *  2       2     stream name length N, 1..{@value #MAX_NAME_LENGTH}
 *  4       N     stream name, US-ASCII letters, digits, '.', '_', '-'
 *  4+N     2     subscription name length M, 0..{@value #MAX_NAME_LENGTH} (0: not durable)
 *  6+N     M     subscription name, same alphabet
 *  6+N+M   2     auth token length T, 0..{@value #MAX_TOKEN_LENGTH}
 *  8+N+M   T     auth token, opaque bytes read as UTF-8
 *  with feature {@value #FEATURE_IDENTIFIED_PUBLISHER} (publishers only), and M = 0:
 *  8+N+T   8     producer id, int64
 *  16+N+T  4     epoch, int32, 0 or more
 *  with feature {@value #FEATURE_ACKNOWLEDGED_DELIVERY} (subscribers only):
 *  8+N+M+T 4     window, messages: int32, 0 (the relay's) or more
 *  12+N+M+T 4    window, bytes: int32, 0 (the relay's) or more
 * </pre>
 * The producer id is a number, not a name, so that the largest HELLO stays a subscriber's
 * ({@link #MAX_FRAME_LENGTH} unchanged): a publisher has no subscription name, and its 12 bytes fit in that room.
 *
 * @param role what the connection does.
 * @param stream the stream it publishes to or subscribes to.
 * @param subscription a durable subscription name, or empty.
 * @param authToken the auth token, or empty.
 * @param features the feature bits, 0 for a HELLO as version 1 first defined it.
 * @param producerId an identified publisher's producer id; 0 without the feature.
 * @param epoch an identified publisher's epoch; 0 without the feature.
 * @param windowMessages an acknowledging subscriber's window in messages, 0 for the relay's; 0 without the feature.
 * @param windowBytes an acknowledging subscriber's window in bytes, 0 for the relay's; 0 without the feature.
 */
public record Hello(Role role, String stream, String subscription, String authToken, int features, long producerId,
    int epoch, int windowMessages, int windowBytes)
{
    /**
     * Feature bit: an identified publisher, whose producer id and epoch follow the auth token. The relay keeps its
     * source id and the sequence it reached across connections, and drops what it resends below that.
     */
    public static final int FEATURE_IDENTIFIED_PUBLISHER = 0x01;
    /**
     * Feature bit: a subscriber that acknowledges what it has processed (ACK frames carrying positions), whose window
     * follows the auth token. The relay sends only while less than the window is unacknowledged, and a durable
     * subscription's unacknowledged frames are delivered again after a reconnect.
     */
    public static final int FEATURE_ACKNOWLEDGED_DELIVERY = 0x02;
    /** Every feature bit this version defines. */
    public static final int KNOWN_FEATURES = FEATURE_IDENTIFIED_PUBLISHER | FEATURE_ACKNOWLEDGED_DELIVERY;
    /** Bytes the identified-publisher feature adds after the auth token: producer id and epoch. */
    public static final int IDENTITY_LENGTH = 8 + 4;
    /** Bytes the acknowledged-delivery feature adds after the auth token: the window in messages and in bytes. */
    public static final int WINDOW_LENGTH = 4 + 4;

    /** Longest stream or subscription name. */
    public static final int MAX_NAME_LENGTH = 255;
    /** Longest auth token. */
    public static final int MAX_TOKEN_LENGTH = 1024;
    /**
     * Longest HELLO payload ({@value}): an acknowledging subscriber's, with role, features, the three length fields,
     * the longest names and token, and the window.
     */
    public static final int MAX_PAYLOAD_LENGTH =
        1 + 1 + 2 + MAX_NAME_LENGTH + 2 + MAX_NAME_LENGTH + 2 + MAX_TOKEN_LENGTH + WINDOW_LENGTH;
    /**
     * Longest HELLO frame, header included ({@value}): the largest frame a relay accepts before its WELCOME, checked
     * from the length field before anything is buffered, so that a connection that has not yet shown its token holds
     * at most this much.
     */
    public static final int MAX_FRAME_LENGTH = FrameDescriptor.HEADER_LENGTH + MAX_PAYLOAD_LENGTH;

    /**
     * @param role the role.
     * @param stream the stream name.
     * @param subscription the durable subscription name, or empty.
     * @param authToken the auth token, or empty.
     * @throws IllegalArgumentException when a name does not fit the protocol.
     */
    public Hello(final Role role, final String stream, final String subscription, final String authToken)
    {
        this(role, stream, subscription, authToken, 0, 0, 0, 0, 0);
    }

    /**
     * @param features the feature bits: none, or {@link #FEATURE_IDENTIFIED_PUBLISHER} with a producer id and epoch.
     * @throws IllegalArgumentException when a name does not fit the protocol, or the features do not fit the role.
     */
    public Hello(final Role role, final String stream, final String subscription, final String authToken,
        final int features, final long producerId, final int epoch)
    {
        this(role, stream, subscription, authToken, features, producerId, epoch, 0, 0);
    }

    /**
     * @param stream the stream name.
     * @param subscription the durable subscription name, or empty.
     * @param authToken the auth token, or empty.
     * @param windowMessages how many messages may be delivered and not yet acknowledged; 0 for the relay's setting.
     * @param windowBytes how many bytes of frames may be delivered and not yet acknowledged; 0 for the relay's.
     * @return the HELLO of a subscriber that acknowledges what it has processed.
     * @throws IllegalArgumentException when a name does not fit the protocol, or a window is negative.
     */
    public static Hello acknowledgingSubscriber(final String stream, final String subscription,
        final String authToken, final int windowMessages, final int windowBytes)
    {
        return new Hello(Role.SUBSCRIBER, stream, subscription, authToken, FEATURE_ACKNOWLEDGED_DELIVERY, 0, 0,
            windowMessages, windowBytes);
    }

    /**
     * @param stream the stream name.
     * @param authToken the auth token, or empty.
     * @param producerId the producer id the relay remembers this publisher by.
     * @param epoch the publisher's epoch: a higher one takes the producer id over from a connection with a lower one.
     * @return the HELLO of an identified publisher.
     * @throws IllegalArgumentException when a name does not fit the protocol, or the epoch is negative.
     */
    public static Hello identifiedPublisher(
        final String stream, final String authToken, final long producerId, final int epoch)
    {
        return new Hello(Role.PUBLISHER, stream, "", authToken, FEATURE_IDENTIFIED_PUBLISHER, producerId, epoch);
    }

    /**
     * @throws IllegalArgumentException when a name does not fit the protocol, or the features do not fit the role.
     */
    public Hello
    {
        if (role == null)
        {
            throw new IllegalArgumentException("role is required");
        }
        String problem = checkName("stream", stream, false);
        if (problem == null)
        {
            problem = checkName("subscription", subscription, true);
        }
        if (problem != null)
        {
            throw new IllegalArgumentException(problem);
        }
        if (role == Role.PUBLISHER && !subscription.isEmpty())
        {
            throw new IllegalArgumentException("a publisher's HELLO names no subscription, got '" + subscription +
                "': durable subscriptions are for subscribers");
        }
        if (authToken == null || authToken.getBytes(StandardCharsets.UTF_8).length > MAX_TOKEN_LENGTH)
        {
            throw new IllegalArgumentException("auth token longer than " + MAX_TOKEN_LENGTH + " bytes");
        }
        checkFeatures(role, features, producerId, epoch);
        checkWindow(features, windowMessages, windowBytes);
    }

    private static void checkWindow(final int features, final int windowMessages, final int windowBytes)
    {
        if ((features & FEATURE_ACKNOWLEDGED_DELIVERY) == 0)
        {
            if (windowMessages != 0 || windowBytes != 0)
            {
                throw new IllegalArgumentException("a window needs the acknowledged-delivery feature");
            }
            return;
        }
        if (windowMessages < 0 || windowBytes < 0)
        {
            throw new IllegalArgumentException("HELLO window " + windowMessages + " messages, " + windowBytes +
                " bytes: negative (0 asks for the relay's)");
        }
    }

    private static void checkFeatures(final Role role, final int features, final long producerId, final int epoch)
    {
        final String problem = featuresProblem(role, features);
        if (problem != null)
        {
            throw new IllegalArgumentException(problem);
        }
        if ((features & FEATURE_IDENTIFIED_PUBLISHER) == 0)
        {
            if (producerId != 0 || epoch != 0)
            {
                throw new IllegalArgumentException("a producer id or epoch needs the identified-publisher feature");
            }
            return;
        }
        if (epoch < 0)
        {
            throw new IllegalArgumentException("HELLO epoch " + epoch + " is negative");
        }
    }

    // Checked before the fields the features add are read, so that the refusal names the cause.
    private static String featuresProblem(final Role role, final int features)
    {
        if ((features & ~KNOWN_FEATURES) != 0)
        {
            return "HELLO features 0x" + Integer.toHexString(features) +
                " set undefined bits: only 0x01 (identified publisher) and 0x02 (acknowledged delivery) are defined";
        }
        if ((features & FEATURE_IDENTIFIED_PUBLISHER) != 0 && role != Role.PUBLISHER)
        {
            return "feature 0x01 (identified publisher) on a subscriber's HELLO: only publishers have a producer id";
        }
        if ((features & FEATURE_ACKNOWLEDGED_DELIVERY) != 0 && role != Role.SUBSCRIBER)
        {
            return "feature 0x02 (acknowledged delivery) on a publisher's HELLO: only subscribers acknowledge";
        }
        return null;
    }

    /** @return whether this is an acknowledging subscriber's HELLO, with a window. */
    public boolean acknowledged()
    {
        return (features & FEATURE_ACKNOWLEDGED_DELIVERY) != 0;
    }

    /** @return whether this is an identified publisher's HELLO, with a producer id and an epoch. */
    public boolean identified()
    {
        return (features & FEATURE_IDENTIFIED_PUBLISHER) != 0;
    }

    /**
     * @param what which name, for the message.
     * @param name the name to check.
     * @param mayBeEmpty whether an empty name is allowed.
     * @return null when the name is valid, else what is wrong with it.
     */
    public static String checkName(final String what, final String name, final boolean mayBeEmpty)
    {
        if (name == null || (name.isEmpty() && !mayBeEmpty))
        {
            return what + " name is empty";
        }
        if (name.length() > MAX_NAME_LENGTH)
        {
            return what + " name longer than " + MAX_NAME_LENGTH + " characters";
        }
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            final boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-';
            if (!ok)
            {
                return what + " name '" + name + "' has character '" + c + "': use letters, digits, '.', '_', '-'";
            }
        }
        return null;
    }

    /**
     * Writes this hello as a payload.
     *
     * @param out where to write.
     */
    public void writePayload(final ByteBuf out)
    {
        out.writeByte(role.code());
        out.writeByte(features);
        writeString(out, stream);
        writeString(out, subscription);
        writeString(out, authToken);
        if (identified())
        {
            out.writeLong(producerId);
            out.writeInt(epoch);
        }
        if (acknowledged())
        {
            out.writeInt(windowMessages);
            out.writeInt(windowBytes);
        }
    }

    /**
     * Parses a HELLO payload.
     *
     * @param frame the whole frame.
     * @return the hello.
     * @throws ProtocolException with {@link ErrorCode#MALFORMED_HELLO} naming what is wrong.
     */
    public static Hello parse(final ByteBuf frame)
    {
        final int at = frame.readerIndex();
        requireZero("stream id", frame.getInt(at + FrameDescriptor.STREAM_ID_OFFSET));
        requireZero("source id", frame.getInt(at + FrameDescriptor.SOURCE_ID_OFFSET));
        requireZero("sequence", frame.getLong(at + FrameDescriptor.SEQUENCE_OFFSET));
        int index = frame.readerIndex() + FrameDescriptor.HEADER_LENGTH;
        final int end = frame.readerIndex() + frame.getInt(frame.readerIndex() + FrameDescriptor.LENGTH_OFFSET);
        if (end - index < 4)
        {
            throw new ProtocolException(ErrorCode.MALFORMED_HELLO, "HELLO payload shorter than 4 bytes");
        }
        final int roleCode = frame.getUnsignedByte(index);
        final Role role = Role.fromCode(roleCode);
        if (role == null)
        {
            throw new ProtocolException(ErrorCode.MALFORMED_HELLO, "HELLO role " + roleCode + " is not 1 or 2");
        }
        final int features = frame.getUnsignedByte(index + 1);
        final String featuresProblem = featuresProblem(role, features);
        if (featuresProblem != null)
        {
            throw new ProtocolException(ErrorCode.MALFORMED_HELLO, featuresProblem);
        }
        index += 2;
        final String stream = readString(frame, index, end, "stream name", MAX_NAME_LENGTH);
        index += 2 + stream.length();
        final String subscription = readString(frame, index, end, "subscription name", MAX_NAME_LENGTH);
        index += 2 + subscription.length();
        final int tokenLength = lengthAt(frame, index, end, "auth token", MAX_TOKEN_LENGTH);
        final String token = utf8(frame, index + 2, tokenLength);
        index += 2 + tokenLength;
        long producerId = 0;
        int epoch = 0;
        if ((features & FEATURE_IDENTIFIED_PUBLISHER) != 0 && end - index >= IDENTITY_LENGTH)
        {
            producerId = frame.getLong(index);
            epoch = frame.getInt(index + 8);
            index += IDENTITY_LENGTH;
        }
        else if ((features & FEATURE_IDENTIFIED_PUBLISHER) != 0)
        {
            throw new ProtocolException(ErrorCode.MALFORMED_HELLO, "HELLO ends before the producer id and epoch");
        }
        int windowMessages = 0;
        int windowBytes = 0;
        if ((features & FEATURE_ACKNOWLEDGED_DELIVERY) != 0)
        {
            if (end - index < WINDOW_LENGTH)
            {
                throw new ProtocolException(ErrorCode.MALFORMED_HELLO, "HELLO ends before the window");
            }
            windowMessages = frame.getInt(index);
            windowBytes = frame.getInt(index + 4);
            index += WINDOW_LENGTH;
        }
        if (index != end)
        {
            throw new ProtocolException(ErrorCode.MALFORMED_HELLO, "HELLO has " + (end - index) + " trailing bytes");
        }
        try
        {
            return new Hello(
                role, stream, subscription, token, features, producerId, epoch, windowMessages, windowBytes);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ProtocolException(ErrorCode.MALFORMED_HELLO, ex.getMessage());
        }
    }

    // The ids are the relay's to assign (WELCOME): a HELLO carries none.
    private static void requireZero(final String field, final long value)
    {
        if (value != 0)
        {
            throw new ProtocolException(ErrorCode.MALFORMED_HELLO, "HELLO " + field + " " + value + " is not 0");
        }
    }

    private static String utf8(final ByteBuf frame, final int index, final int length)
    {
        try
        {
            return StandardCharsets.UTF_8.newDecoder().decode(frame.nioBuffer(index, length)).toString();
        }
        catch (final CharacterCodingException ex)
        {
            throw new ProtocolException(ErrorCode.MALFORMED_HELLO, "HELLO auth token is not valid UTF-8");
        }
    }

    private static String readString(
        final ByteBuf frame, final int index, final int end, final String what, final int max)
    {
        final int length = lengthAt(frame, index, end, what, max);
        return frame.toString(index + 2, length, StandardCharsets.US_ASCII);
    }

    private static int lengthAt(final ByteBuf frame, final int index, final int end, final String what, final int max)
    {
        if (end - index < 2)
        {
            throw new ProtocolException(ErrorCode.MALFORMED_HELLO, "HELLO ends before the " + what + " length");
        }
        final int length = frame.getUnsignedShort(index);
        if (length > max)
        {
            throw new ProtocolException(ErrorCode.MALFORMED_HELLO, "HELLO " + what + " length " + length + " > " + max);
        }
        if (end - index - 2 < length)
        {
            throw new ProtocolException(ErrorCode.MALFORMED_HELLO, "HELLO " + what + " runs past the frame");
        }
        return length;
    }

    private static void writeString(final ByteBuf out, final String value)
    {
        final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeShort(bytes.length);
        out.writeBytes(bytes);
    }
}
