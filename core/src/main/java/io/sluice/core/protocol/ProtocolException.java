package io.sluice.core.protocol;

/**
 * A peer broke the protocol. Carries the {@link ErrorCode} to send back in an ERROR frame. Thrown only on
 * the error path (the connection is closed right after), so it skips the stack trace.
 */
public final class ProtocolException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    /**
     * @param code what was wrong.
     * @param message a text naming the offending value, sent to the peer and logged.
     */
    public ProtocolException(final ErrorCode code, final String message)
    {
        super(message, null, false, false);
        this.code = code;
    }

    /**
     * @return what was wrong.
     */
    public ErrorCode code()
    {
        return code;
    }
}
