package io.sluice.server.bridge;

/**
 * A bridge setting that is unknown or has a bad value. The key is relative to the bridge's entry (such as
 * {@code topic} or {@code producer.acks}), so that whoever reads the settings can name the full path: the config
 * file reader says {@code bad value for 'bridges[0].topic' in relay.yaml: ...}.
 */
public final class BridgeConfigException extends IllegalArgumentException
{
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String problem;
    private final boolean unknownKey;

    /**
     * @param key the setting's key within the bridge's entry.
     * @param problem what is wrong, for a person: {@code 'x' is not a whole number}; for an unknown key, the known
     *                ones.
     * @param unknownKey whether the key itself is unknown (rather than its value bad).
     */
    public BridgeConfigException(final String key, final String problem, final boolean unknownKey)
    {
        super(describe(key, problem, unknownKey, null));
        this.key = key;
        this.problem = problem;
        this.unknownKey = unknownKey;
    }

    /** @return the setting's key within the bridge's entry. */
    public String key()
    {
        return key;
    }

    /** @return what is wrong with it. */
    public String problem()
    {
        return problem;
    }

    /** @return whether the key itself is unknown. */
    public boolean isUnknownKey()
    {
        return unknownKey;
    }

    /**
     * @param path where the bridge's entry is, such as {@code bridges[0]}.
     * @param source the file, or null.
     * @return the message with the key's full path: {@code bad value for 'bridges[0].topic' in relay.yaml: ...}.
     */
    public String describe(final String path, final String source)
    {
        return describe(path + "." + key, problem, unknownKey, source);
    }

    private static String describe(final String key, final String problem, final boolean unknownKey,
        final String source)
    {
        final String in = source == null ? "" : " in " + source;
        return unknownKey ? "unknown key '" + key + "'" + in + " (" + problem + ")"
            : "bad value for '" + key + "'" + in + ": " + problem;
    }
}
