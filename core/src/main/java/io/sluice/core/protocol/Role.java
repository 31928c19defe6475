package io.sluice.core.protocol;

/**
 * What a connection does, declared in its HELLO.
 */
public enum Role
{
    /** Sends DATA frames to a stream. */
    PUBLISHER(1),
    /** Receives the DATA frames of a stream. */
    SUBSCRIBER(2);

    private final int code;

    Role(final int code)
    {
        this.code = code;
    }

    /**
     * @return the byte carried in HELLO.
     */
    public int code()
    {
        return code;
    }

    /**
     * @param code the role byte of a HELLO.
     * @return the role, or null when the code is not defined.
     */
    public static Role fromCode(final int code)
    {
        switch (code)
        {
            case 1: return PUBLISHER;
            case 2: return SUBSCRIBER;
            default: return null;
        }
    }
}
