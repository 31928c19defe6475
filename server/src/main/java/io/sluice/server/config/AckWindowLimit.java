package io.sluice.server.config;

/**
 * The most a stream grants an acknowledging subscriber: messages and bytes of frames sent and not yet acknowledged
 * ({@code ack-window}, {@code ack-window-bytes}). A subscriber may ask for less in its HELLO, never for more.
 * Unacknowledged frames stay in the relay's memory until acknowledged, so the bytes are also a bound on memory per
 * acknowledging lane (plus one run: a run is started while below the window).
 *
 * @param messages most messages sent and not acknowledged; positive.
 * @param bytes most bytes of frames sent and not acknowledged; at least 1 KiB.
 */
public record AckWindowLimit(int messages, int bytes)
{
    /** Default window in messages. */
    public static final int DEFAULT_MESSAGES = 16_384;
    /** Default window in bytes: 4 MiB. */
    public static final int DEFAULT_BYTES = 4 * 1024 * 1024;
    /** The defaults. */
    public static final AckWindowLimit DEFAULT = new AckWindowLimit(DEFAULT_MESSAGES, DEFAULT_BYTES);

    /**
     * @throws IllegalArgumentException naming the field that is out of range.
     */
    public AckWindowLimit
    {
        if (messages <= 0)
        {
            throw new IllegalArgumentException("ack-window must be positive, was " + messages);
        }
        if (bytes < 1024)
        {
            throw new IllegalArgumentException("ack-window-bytes must be at least 1KiB, was " + bytes);
        }
    }

    /**
     * @param asked what the subscriber asked for, 0 for this limit.
     * @param limit this stream's limit.
     * @return what is granted: the smaller of the two, or the limit when nothing was asked.
     */
    public static int grant(final int asked, final int limit)
    {
        return asked <= 0 ? limit : Math.min(asked, limit);
    }

    /** @return a copy with another window in messages. */
    public AckWindowLimit withMessages(final int messages)
    {
        return new AckWindowLimit(messages, bytes);
    }

    /** @return a copy with another window in bytes. */
    public AckWindowLimit withBytes(final int bytes)
    {
        return new AckWindowLimit(messages, bytes);
    }
}
