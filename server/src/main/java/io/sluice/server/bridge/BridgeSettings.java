package io.sluice.server.bridge;

import io.sluice.server.config.text.Units;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Typed, checked access to a bridge's settings as the config file holds them (every scalar as text, lists, nested
 * maps). Each getter throws a {@link BridgeConfigException} naming the key when the value is wrong; a factory calls
 * {@link #allowOnly} first so that a misspelt key is an error rather than silently ignored.
 */
public final class BridgeSettings
{
    private final Map<String, Object> settings;

    /**
     * @param settings the bridge's settings.
     */
    public BridgeSettings(final Map<String, Object> settings)
    {
        this.settings = settings;
    }

    /**
     * @param known every key the bridge type understands.
     * @throws BridgeConfigException for the first key not among them.
     */
    public void allowOnly(final Collection<String> known)
    {
        for (final String key : settings.keySet())
        {
            if (!known.contains(key))
            {
                throw new BridgeConfigException(key, "known: " + String.join(", ", known), true);
            }
        }
    }

    /** @return whether the key was given. */
    public boolean has(final String key)
    {
        return settings.containsKey(key);
    }

    /**
     * @param key a key.
     * @param defaultValue when the key is not given.
     * @return its text.
     */
    public String text(final String key, final String defaultValue)
    {
        return has(key) ? scalar(key) : defaultValue;
    }

    /**
     * @param key a key that must be given.
     * @return its text, not empty.
     */
    public String requiredText(final String key)
    {
        if (!has(key))
        {
            throw new BridgeConfigException(key, "required, not given", false);
        }
        final String text = scalar(key);
        if (text.isBlank())
        {
            throw new BridgeConfigException(key, "must not be empty", false);
        }
        return text;
    }

    /**
     * @param key a key.
     * @param defaultValue when the key is not given.
     * @return {@code true} or {@code false} as written.
     */
    public boolean flag(final String key, final boolean defaultValue)
    {
        if (!has(key))
        {
            return defaultValue;
        }
        final String text = scalar(key).strip().toLowerCase(Locale.ROOT);
        return switch (text)
        {
            case "true" -> true;
            case "false" -> false;
            default -> throw new BridgeConfigException(key, "'" + scalar(key) + "' is neither true nor false", false);
        };
    }

    /**
     * @param key a key.
     * @param defaultValue when the key is not given.
     * @param min least value allowed.
     * @param max most value allowed.
     * @return the whole number.
     */
    public long wholeNumber(final String key, final long defaultValue, final long min, final long max)
    {
        if (!has(key))
        {
            return defaultValue;
        }
        final String text = scalar(key);
        final long n;
        try
        {
            n = Long.parseLong(text.strip());
        }
        catch (final NumberFormatException ex)
        {
            throw new BridgeConfigException(key, "'" + text + "' is not a whole number", false);
        }
        return inRange(key, n, min, max, Long.toString(min), Long.toString(max));
    }

    /**
     * @param key a key.
     * @param defaultValue when the key is not given.
     * @param min least value allowed.
     * @param max most value allowed.
     * @return the byte size (units as everywhere in the config: {@code 8MiB}, {@code 64KB}).
     */
    public long bytes(final String key, final long defaultValue, final long min, final long max)
    {
        if (!has(key))
        {
            return defaultValue;
        }
        try
        {
            return inRange(key, Units.parseBytes(scalar(key)), min, max, Units.formatBytes(min),
                Units.formatBytes(max));
        }
        catch (final BridgeConfigException ex)
        {
            throw ex;
        }
        catch (final IllegalArgumentException ex)
        {
            throw new BridgeConfigException(key, ex.getMessage(), false);
        }
    }

    /**
     * @param key a key.
     * @param defaultMillis when the key is not given.
     * @param minMillis least value allowed.
     * @param maxMillis most value allowed.
     * @return the duration in milliseconds ({@code 500ms}, {@code 5s}, {@code 2m}).
     */
    public long millis(final String key, final long defaultMillis, final long minMillis, final long maxMillis)
    {
        if (!has(key))
        {
            return defaultMillis;
        }
        try
        {
            return inRange(key, Units.parseMillis(scalar(key)), minMillis, maxMillis, minMillis + "ms",
                maxMillis + "ms");
        }
        catch (final BridgeConfigException ex)
        {
            throw ex;
        }
        catch (final IllegalArgumentException ex)
        {
            throw new BridgeConfigException(key, ex.getMessage(), false);
        }
    }

    /**
     * @param key a key.
     * @param defaultValue when the key is not given.
     * @param choices the values allowed, lower case.
     * @return the value given, lower case.
     */
    public String choice(final String key, final String defaultValue, final List<String> choices)
    {
        if (!has(key))
        {
            return defaultValue;
        }
        final String text = scalar(key).strip().toLowerCase(Locale.ROOT);
        if (!choices.contains(text))
        {
            throw new BridgeConfigException(key, "'" + scalar(key) + "' is not one of " + String.join(", ", choices),
                false);
        }
        return text;
    }

    /**
     * @param key a key.
     * @return a YAML list of text, or one text of comma-separated items; empty when the key is not given.
     */
    public List<String> list(final String key)
    {
        if (!has(key))
        {
            return List.of();
        }
        final Object value = settings.get(key);
        final List<String> items = new ArrayList<>();
        if (value instanceof List<?> list)
        {
            for (final Object item : list)
            {
                if (item == null || item instanceof Map<?, ?> || item instanceof List<?>)
                {
                    throw new BridgeConfigException(key, "expected a list of names, found " + describe(item) + " in it",
                        false);
                }
                items.add(String.valueOf(item).strip());
            }
        }
        else
        {
            for (final String item : scalar(key).split(","))
            {
                items.add(item.strip());
            }
        }
        if (items.isEmpty() || items.stream().anyMatch(String::isEmpty))
        {
            throw new BridgeConfigException(key, "has an empty item", false);
        }
        return List.copyOf(items);
    }

    /**
     * @param key a key.
     * @return a nested mapping of text to text (such as a Kafka client's properties), in the order written; empty
     * when the key is not given or has nothing under it.
     */
    public Map<String, String> properties(final String key)
    {
        final Object value = settings.get(key);
        if (value == null)
        {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map))
        {
            throw new BridgeConfigException(key, "expected a mapping (name: value), found " + describe(value), false);
        }
        final Map<String, String> out = new LinkedHashMap<>();
        for (final Map.Entry<?, ?> e : map.entrySet())
        {
            final Object v = e.getValue();
            if (v == null || v instanceof Map<?, ?> || v instanceof List<?>)
            {
                throw new BridgeConfigException(key + "." + e.getKey(), "expected a single value, found " + describe(v),
                    false);
            }
            out.put(String.valueOf(e.getKey()), String.valueOf(v));
        }
        return out;
    }

    private String scalar(final String key)
    {
        final Object value = settings.get(key);
        if (value == null)
        {
            throw new BridgeConfigException(key, "no value given", false);
        }
        if (value instanceof Map<?, ?> || value instanceof List<?>)
        {
            throw new BridgeConfigException(key, "expected a single value, found " + describe(value), false);
        }
        return String.valueOf(value);
    }

    private static long inRange(final String key, final long n, final long min, final long max, final String minText,
        final String maxText)
    {
        if (n < min || n > max)
        {
            throw new BridgeConfigException(key, n + " is out of range (" + minText + ".." + maxText + ")", false);
        }
        return n;
    }

    /**
     * @param value a value as the config file reader gives it.
     * @return how error messages name it: {@code nothing}, {@code a mapping}, {@code a list}, or the text quoted.
     */
    public static String describe(final Object value)
    {
        if (value == null)
        {
            return "nothing";
        }
        if (value instanceof Map<?, ?>)
        {
            return "a mapping";
        }
        if (value instanceof List<?>)
        {
            return "a list";
        }
        return "'" + value + "'";
    }
}
