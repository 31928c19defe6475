package io.sluice.client;

import io.sluice.core.protocol.ErrorCode;

/**
 * Connecting or the handshake failed: the relay refused the HELLO, could not be reached, or did not answer in
 * time. {@link #code()} carries the relay's error code when it sent one.
 */
public final class SluiceException extends Exception
{
    private static final long serialVersionUID = 1L;

    private final transient ErrorCode code;

    /**
     * @param code the relay's error code, or null when the relay sent none.
     * @param message what happened.
     * @param cause underlying failure, or null.
     */
    public SluiceException(final ErrorCode code, final String message, final Throwable cause)
    {
        super(message, cause);
        this.code = code;
    }

    /**
     * @return the relay's error code, or null when it sent none.
     */
    public ErrorCode code()
    {
        return code;
    }
}
