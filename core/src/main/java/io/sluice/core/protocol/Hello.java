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
 *  1       1     reserved, 0
 *  2       2     stream name length N, 1..{@value #MAX_NAME_LENGTH}
 *  4       N     stream name, US-ASCII letters, digits, '.', '_', '-'
 *  4+N     2     subscription name length M, 0..{@value #MAX_NAME_LENGTH} (0: not durable)
 *  6+N     M     subscription name, same alphabet
 *  6+N+M   2     auth token length T, 0..{@value #MAX_TOKEN_LENGTH}
 *  8+N+M   T     auth token, opaque bytes read as UTF-8
 * </pre>
 *
 * @param role what the connection does.
 * @param stream the stream it publishes to or subscribes to.
 * @param subscription a durable subscription name, or empty.
 * @param authToken the auth token, or empty.
 */
public record Hello(Role role, String stream, String subscription, String authToken)
{
    /** Longest stream or subscription name. */
    public static final int MAX_NAME_LENGTH = 255;
    /** Longest auth token. */
    public static final int MAX_TOKEN_LENGTH = 1024;
    /**
     * Longest HELLO payload: role, reserved byte, the three length fields and the longest names and token
     * ({@value}).
     */
    public static final int MAX_PAYLOAD_LENGTH =
        1 + 1 + 2 + MAX_NAME_LENGTH + 2 + MAX_NAME_LENGTH + 2 + MAX_TOKEN_LENGTH;
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
        out.writeByte(0);
        writeString(out, stream);
        writeString(out, subscription);
        writeString(out, authToken);
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
        index += 2;
        final String stream = readString(frame, index, end, "stream name", MAX_NAME_LENGTH);
        index += 2 + stream.length();
        final String subscription = readString(frame, index, end, "subscription name", MAX_NAME_LENGTH);
        index += 2 + subscription.length();
        final int tokenLength = lengthAt(frame, index, end, "auth token", MAX_TOKEN_LENGTH);
        final String token = utf8(frame, index + 2, tokenLength);
        index += 2 + tokenLength;
        if (index != end)
        {
            throw new ProtocolException(ErrorCode.MALFORMED_HELLO, "HELLO has " + (end - index) + " trailing bytes");
        }
        try
        {
            return new Hello(role, stream, subscription, token);
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
