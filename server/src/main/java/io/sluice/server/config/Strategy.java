package io.sluice.server.config;

/**
 * What a subscriber's lane does when its subscriber cannot keep up.
 */
public enum Strategy
{
    /**
     * Lossless, no tiers: once the lane holds its configured bytes, the relay stops reading from every producer
     * of the stream until the lane drains. The slowest subscriber sets the pace of the whole stream.
     */
    THROTTLE,

    /**
     * Lossless: a memory tier (an Agrona ring of {@code memory} bytes) absorbs bursts; when it is full the lane's
     * on-full policy acts (throttle: the lane stops taking runs, and its producers are paused as above).
     */
    BUFFER,

    /**
     * Lossless: a memory tier, then a disk tier (Chronicle Queue in the spill directory, at most
     * {@code spill-quota} bytes); when both are full the on-full policy acts (throttle). Once a lane spills, new
     * messages go to disk until the disk backlog is empty, so order is kept across every switch.
     */
    SPILL;

    /**
     * @return whether the strategy has a memory tier.
     */
    public boolean hasMemoryTier()
    {
        return this != THROTTLE;
    }

    /**
     * @return whether the strategy has a disk tier.
     */
    public boolean hasDiskTier()
    {
        return this == SPILL;
    }

    /**
     * @param text a name as written in config or on the command line, any case, '-' or '_'.
     * @return the strategy.
     * @throws IllegalArgumentException naming the known strategies.
     */
    public static Strategy parse(final String text)
    {
        for (final Strategy strategy : values())
        {
            if (strategy.name().equalsIgnoreCase(text.replace('-', '_')))
            {
                return strategy;
            }
        }
        throw new IllegalArgumentException("unknown strategy '" + text + "' (known: " + names() + ")");
    }

    /**
     * @return the names as written in config, comma separated.
     */
    public static String names()
    {
        final StringBuilder sb = new StringBuilder();
        for (final Strategy strategy : values())
        {
            if (sb.length() > 0)
            {
                sb.append(", ");
            }
            sb.append(strategy.configName());
        }
        return sb.toString();
    }

    /**
     * @return the name as written in config.
     */
    public String configName()
    {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
