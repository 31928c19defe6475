package io.sluice.server.config;

import java.util.Locale;

/**
 * What a stream does with a subscription marked stuck: one that had frames waiting and whose connection took no
 * byte of them for the stream's {@code stuck-after}. Under throttle such a subscriber holds every producer of its
 * stream for as long as its connection lives; {@link #EVICT} and {@link #DETACH} bound that to {@code stuck-after}.
 */
public enum OnStuck
{
    /** Only mark it stuck (metric, log line); the lane keeps holding its producers. */
    WAIT,
    /**
     * Send ERROR {@code SLOW_CONSUMER} and close the connection; what its lane held is released and counted, and the
     * producers resume at once.
     */
    EVICT,
    /**
     * For a durable subscription whose lane has a disk tier: hand the lane's memory tier and unsent frames over to
     * the disk tier (as a graceful stop does), then close with {@code SLOW_CONSUMER}; the backlog waits on disk for the
     * subscriber's return. For any other lane the same as {@link #EVICT}.
     */
    DETACH;

    private final String configName = name().toLowerCase(Locale.ROOT);

    /** @return the name as written in config: {@code wait}, {@code evict}, {@code detach}. */
    public String configName()
    {
        return configName;
    }

    /**
     * @param text a name as written in config or on the command line, any case.
     * @return the action.
     * @throws IllegalArgumentException naming the known actions.
     */
    public static OnStuck parse(final String text)
    {
        for (final OnStuck action : values())
        {
            if (action.configName.equalsIgnoreCase(text))
            {
                return action;
            }
        }
        throw new IllegalArgumentException("unknown on-stuck '" + text + "' (known: wait, evict, detach)");
    }
}
