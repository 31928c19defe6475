package io.sluice.server.config;

import io.sluice.server.bridge.BridgeSettings;
import io.sluice.server.config.text.PlainYaml;
import io.sluice.server.config.text.Units;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Typed values out of one parsed YAML file ({@link PlainYaml}): text, whole numbers, byte sizes, durations,
 * booleans, mappings and names, each checked against its key's type. Every problem becomes an
 * {@link IllegalArgumentException} that names the source and the full key path, so that the section readers report
 * a mistake the same way wherever it is.
 */
final class ConfigValues
{
    private final String source;

    /**
     * @param source what to call the file in messages, usually its name.
     */
    ConfigValues(final String source)
    {
        this.source = source;
    }

    /** @return what the file is called in messages. */
    String source()
    {
        return source;
    }

    /**
     * @param map a mapping the file holds.
     * @param path its key path, or null for the top level.
     * @param known the keys it may hold, in the order to list them.
     * @throws IllegalArgumentException naming the first unknown key and the known ones.
     */
    void checkKeys(final Map<?, ?> map, final String path, final List<String> known)
    {
        for (final Object key : map.keySet())
        {
            if (!(key instanceof String) || !known.contains(key))
            {
                throw new IllegalArgumentException("unknown key '" + join(path, String.valueOf(key)) + "' in " +
                    source + " (known: " + String.join(", ", known) + ")");
            }
        }
    }

    /**
     * @param value what the file holds at {@code path}.
     * @param path the key path, or null for the whole file.
     * @return the value as a mapping.
     */
    Map<?, ?> mapping(final Object value, final String path)
    {
        if (value instanceof Map<?, ?> map)
        {
            return map;
        }
        if (path == null)
        {
            throw new IllegalArgumentException(source + " must hold a mapping of settings (key: value), found " +
                BridgeSettings.describe(value));
        }
        throw badValue(path, "expected a mapping (key: value), found " + BridgeSettings.describe(value), null);
    }

    String text(final Object value, final String path)
    {
        requirePresent(value, path);
        if (value instanceof String s)
        {
            return s;
        }
        throw badValue(path, "expected text, found " + BridgeSettings.describe(value), null);
    }

    int wholeNumber(final Object value, final String path)
    {
        final String text = scalar(value, path);
        final long n;
        try
        {
            n = Long.parseLong(text.strip());
        }
        catch (final NumberFormatException ex)
        {
            throw badValue(path, "'" + text + "' is not a whole number", ex);
        }
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE)
        {
            throw badValue(path, "'" + text + "' is out of range", null);
        }
        return (int)n;
    }

    /** A byte size with units (see {@link Units}). */
    long bytes(final Object value, final String path)
    {
        final String text = scalar(value, path);
        try
        {
            return Units.parseBytes(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw badValue(path, ex.getMessage(), ex);
        }
    }

    /** A byte size with units that must fit an int. */
    int intBytes(final Object value, final String path)
    {
        final String text = scalar(value, path);
        try
        {
            return Units.toIntBytes(Units.parseBytes(text), text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw badValue(path, ex.getMessage(), ex);
        }
    }

    /** A duration with units, as milliseconds that fit an int. */
    int millis(final Object value, final String path)
    {
        final String text = scalar(value, path);
        try
        {
            return Units.toIntMillis(Units.parseMillis(text), text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw badValue(path, ex.getMessage(), ex);
        }
    }

    /** {@code true} or {@code false}, any case; not YAML 1.1's yes, no, on, off. */
    boolean yesOrNo(final Object value, final String path)
    {
        final String text = scalar(value, path).strip();
        if ("true".equalsIgnoreCase(text))
        {
            return true;
        }
        if ("false".equalsIgnoreCase(text))
        {
            return false;
        }
        throw badValue(path, "'" + text + "' is not true or false", null);
    }

    /**
     * @param text a name the file gives.
     * @param path its key path.
     * @param parse what the name means; throws IllegalArgumentException for an unknown name.
     * @return what it means.
     */
    <T> T named(final String text, final String path, final Function<String, T> parse)
    {
        try
        {
            return parse.apply(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw badValue(path, ex.getMessage(), ex);
        }
    }

    /** Scalars arrive as text (see {@link PlainYaml}); an explicit tag ({@code !!int 5}) goes through its text. */
    String scalar(final Object value, final String path)
    {
        requirePresent(value, path);
        if (value instanceof Map<?, ?> || value instanceof List<?>)
        {
            throw badValue(path, "expected a single value, found " + BridgeSettings.describe(value), null);
        }
        return String.valueOf(value);
    }

    private void requirePresent(final Object value, final String path)
    {
        if (value == null)
        {
            throw badValue(path, "no value given", null);
        }
    }

    /**
     * @param path the full key path.
     * @param reason what is wrong with its value.
     * @param cause the exception that found it, or null.
     * @return the exception to throw.
     */
    IllegalArgumentException badValue(final String path, final String reason, final Throwable cause)
    {
        return new IllegalArgumentException("bad value for '" + path + "' in " + source + ": " + reason, cause);
    }

    private static String join(final String path, final String key)
    {
        return path == null ? key : path + "." + key;
    }
}
