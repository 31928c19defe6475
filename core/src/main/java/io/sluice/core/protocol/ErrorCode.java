package io.sluice.core.protocol;

/**
 * Codes carried in an ERROR frame. The sender of an ERROR closes the connection right after it.
 * Codes are stable: a new version may add codes but never reuses one.
 */
public enum ErrorCode
{
    /** The length field is above the receiver's maximum frame length. */
    FRAME_TOO_LARGE(1),
    /** The length field is below the header length. */
    FRAME_TOO_SMALL(2),
    /** The version byte is not one this receiver speaks. */
    UNSUPPORTED_VERSION(3),
    /** The type byte is not a defined frame type. */
    UNKNOWN_TYPE(4),
    /** A frame other than HELLO arrived before the handshake completed. */
    HELLO_REQUIRED(5),
    /** No HELLO arrived within the relay's hello timeout. */
    HELLO_TIMEOUT(6),
    /** Nothing arrived within the heartbeat timeout while reading was enabled. */
    HEARTBEAT_TIMEOUT(7),
    /** The connection closed in the middle of a frame. */
    TRUNCATED_FRAME(8),
    /** The HELLO payload could not be parsed or names an unknown role. */
    MALFORMED_HELLO(9),
    /** A frame of a type the receiver does not accept in the current state (a second HELLO, DATA from a subscriber). */
    UNEXPECTED_FRAME(10),
    /** A DATA frame names a stream or source other than the ones assigned in WELCOME. */
    WRONG_STREAM(11),
    /**
     * The HELLO's credentials (its token, or the client certificate) name no principal the relay knows. The text is
     * the same whatever was wrong; the relay's log says which.
     */
    AUTH_FAILED(12),
    /** Reserved: a relay that refuses stream names it is not configured with. This relay never sends it. */
    UNKNOWN_STREAM(13),
    /** Flag bits this version does not define were set, or a flag does not fit the payload. */
    BAD_FLAGS(14),
    /** A DATA sequence did not follow the previous one from the same source. */
    BAD_SEQUENCE(15),
    /** The relay is shutting down. */
    SHUTTING_DOWN(16),
    /** A fault inside the receiver; the text says more. */
    INTERNAL(17),
    /** A subscriber with the same durable subscription name is already connected to the stream. */
    SUBSCRIPTION_IN_USE(18),
    /**
     * The HELLO names a stream that does not exist, and creating it would pass a limit on the number of streams
     * (the relay's {@code max-streams}); the text names the limit.
     */
    TOO_MANY_STREAMS(19),
    /**
     * The principal may not use the stream in the role it asked for (publish or subscribe), or may not use the durable
     * subscription name it gave; the text names the stream and the role. Also sent to a connection whose permission
     * was taken away by a reload of the principals file.
     */
    PERMISSION_DENIED(20),
    /**
     * Creating the connection would pass a limit on connections: the relay's {@code max-connections}, its
     * {@code max-unauthenticated-connections}, or the principal's {@code max-connections}; the text names the limit.
     */
    TOO_MANY_CONNECTIONS(21),
    /**
     * The principal already has as many durable subscriptions connected as its {@code max-subscriptions} allows; the
     * text names the limit.
     */
    TOO_MANY_SUBSCRIPTIONS(22),
    /**
     * One side speaks TLS and the other does not: plain text arrived on a port that takes TLS only, or a TLS
     * handshake on a plain-text port.
     */
    TLS_MISMATCH(23),
    /**
     * The subscriber had messages waiting and took no byte of them for the stream's {@code stuck-after}, and the
     * stream's {@code on-stuck} is {@code evict} or {@code detach}; the text names the stream and how long. Sent so
     * that one reader that stopped cannot hold the stream's producers for as long as its connection lives.
     */
    SLOW_CONSUMER(24),
    /**
     * An identified publisher's producer id was taken over by a connection with a higher epoch (sent to the older
     * connection, which is closed), or a HELLO's epoch is below the one the relay knows, or equal to that of a
     * connection of the same producer id that is still open.
     */
    PRODUCER_FENCED(25),
    /**
     * An acknowledging subscriber's ACK names a position the relay has not sent on the subscription (above the last
     * DATA or GAP frame it sent).
     */
    ACK_OUT_OF_RANGE(26);

    private static final ErrorCode[] BY_CODE = new ErrorCode[32];

    static
    {
        for (final ErrorCode code : values())
        {
            BY_CODE[code.code] = code;
        }
    }

    private final int code;

    ErrorCode(final int code)
    {
        this.code = code;
    }

    /**
     * @return the numeric code carried on the wire.
     */
    public int code()
    {
        return code;
    }

    /**
     * @param code a numeric code from the wire.
     * @return the matching constant, or {@link #INTERNAL} when the code is unknown to this version.
     */
    public static ErrorCode fromCode(final int code)
    {
        final ErrorCode errorCode = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        return errorCode != null ? errorCode : INTERNAL;
    }
}
