package io.sluice.client;

/**
 * An async send found the publication's bounded backlog full.
 */
public final class BackPressuredException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was full.
     */
    public BackPressuredException(final String message)
    {
        super(message);
    }
}
