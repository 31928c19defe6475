package io.sluice.server.drop;

import java.util.Arrays;
import java.util.List;

/**
 * What a lane does with a message that finds its tiers full: the one notion behind the {@code on-full} setting.
 * {@link #THROTTLE} keeps every message and holds the producers; every other value drops by a {@link DropPolicy}.
 */
public enum OnFull
{
    /** Nothing is dropped: the lane stops taking runs, and its producers are paused until it has room. */
    THROTTLE("throttle"),
    /** {@link DropNewest}. */
    DROP_NEWEST("drop-newest"),
    /** {@link DropOldest}. */
    DROP_OLDEST("drop-oldest"),
    /** {@link LatestByKey}. */
    LATEST_BY_KEY("latest-by-key"),
    /** {@link Sample}. */
    SAMPLE("sample"),
    /** {@link Deadline}. */
    DEADLINE("deadline"),
    /** A policy of the user's, named by its {@link DropPolicy#name()} or class name. */
    CUSTOM(null);

    private static final OnFull[] VALUES = values();

    private final String configName;

    OnFull(final String configName)
    {
        this.configName = configName;
    }

    /** @return the name the config uses; null for {@link #CUSTOM}, which goes by the policy's own name. */
    public String configName()
    {
        return configName;
    }

    /** @return whether messages may be dropped: every value but {@link #THROTTLE}. */
    public boolean drops()
    {
        return this != THROTTLE;
    }

    /**
     * @param name an on-full name as configured.
     * @return the built-in value of that name, else {@link #CUSTOM}.
     */
    public static OnFull of(final String name)
    {
        for (final OnFull onFull : VALUES)
        {
            if (onFull.configName != null && onFull.configName.equals(name))
            {
                return onFull;
            }
        }
        return CUSTOM;
    }

    /** @return the config names of the built-in drop policies, in declaration order. */
    static List<String> builtInDropPolicies()
    {
        return Arrays.stream(VALUES).filter(v -> v.drops() && v != CUSTOM).map(OnFull::configName).toList();
    }
}
