package io.sluice.bench.load;

import io.sluice.server.metrics.JsonWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

/**
 * Writes the demo's and the bench's result files: ordered maps, lists, strings, numbers, booleans and nulls, indented
 * two spaces so a person can read them too. The schema is documented in {@code docs/bench.md}.
 */
public final class ResultJson
{
    private ResultJson()
    {
    }

    /**
     * @param file where to write (replaced).
     * @param object the top-level object, keys in order.
     * @throws IOException when the file cannot be written.
     */
    public static void write(final Path file, final Map<String, ?> object) throws IOException
    {
        final StringBuilder out = new StringBuilder(4096);
        value(out, object, 0);
        out.append('\n');
        Files.writeString(file, out, StandardCharsets.UTF_8);
    }

    private static void value(final StringBuilder out, final Object value, final int depth)
    {
        if (value == null)
        {
            out.append("null");
        }
        else if (value instanceof CharSequence)
        {
            JsonWriter.quote(out, value.toString());
        }
        else if (value instanceof Double || value instanceof Float)
        {
            final double d = ((Number)value).doubleValue();
            // JSON has no NaN or Infinity; null keeps the file parseable.
            out.append(Double.isFinite(d) ? Double.toString(d) : "null");
        }
        else if (value instanceof Number || value instanceof Boolean)
        {
            out.append(value);
        }
        else if (value instanceof Map<?, ?> map && depth >= 2 && flat(map))
        {
            // A small record of scalars (a timeline point, the latency percentiles) reads best on one line.
            out.append('{');
            boolean first = true;
            for (final Map.Entry<?, ?> entry : map.entrySet())
            {
                out.append(first ? "" : ", ");
                first = false;
                JsonWriter.quote(out, String.valueOf(entry.getKey()));
                out.append(": ");
                value(out, entry.getValue(), depth + 1);
            }
            out.append('}');
        }
        else if (value instanceof Map<?, ?> map)
        {
            out.append('{');
            boolean first = true;
            for (final Map.Entry<?, ?> entry : map.entrySet())
            {
                out.append(first ? "" : ",");
                first = false;
                newline(out, depth + 1);
                JsonWriter.quote(out, String.valueOf(entry.getKey()));
                out.append(": ");
                value(out, entry.getValue(), depth + 1);
            }
            if (!first)
            {
                newline(out, depth);
            }
            out.append('}');
        }
        else if (value instanceof Collection<?> list)
        {
            out.append('[');
            boolean first = true;
            // Lists of numbers or points stay on one line each: a timeline is long.
            for (final Object item : list)
            {
                out.append(first ? "" : ",");
                first = false;
                newline(out, depth + 1);
                value(out, item, depth + 1);
            }
            if (!first)
            {
                newline(out, depth);
            }
            out.append(']');
        }
        else
        {
            throw new IllegalArgumentException("unsupported JSON value type " + value.getClass().getName());
        }
    }

    private static boolean flat(final Map<?, ?> map)
    {
        for (final Object v : map.values())
        {
            if (v instanceof Map<?, ?> || v instanceof Collection<?>)
            {
                return false;
            }
        }
        return true;
    }

    private static void newline(final StringBuilder out, final int depth)
    {
        out.append('\n');
        for (int i = 0; i < depth; i++)
        {
            out.append("  ");
        }
    }
}
