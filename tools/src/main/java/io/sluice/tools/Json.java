package io.sluice.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Just enough JSON for the CLI's result files: an ordered map of strings, numbers, booleans, nulls and nested
 * maps, written compactly. Not a general-purpose serializer; it keeps the client free of a JSON dependency.
 */
public final class Json
{
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Json()
    {
    }

    /**
     * @param object keys in the order they should appear (use a {@link java.util.LinkedHashMap}).
     * @return compact JSON text of the object.
     * @throws IllegalArgumentException for a value of an unsupported type.
     */
    public static String write(final Map<String, ?> object)
    {
        final StringBuilder out = new StringBuilder(256);
        appendObject(out, object);
        return out.toString();
    }

    /**
     * Writes {@link #write(Map)} plus a newline to {@code file}, replacing it.
     *
     * @param file where to write.
     * @param object the object.
     * @throws IOException when the file cannot be written.
     */
    public static void writeFile(final Path file, final Map<String, ?> object) throws IOException
    {
        Files.writeString(file, write(object) + "\n", StandardCharsets.UTF_8);
    }

    /**
     * Writes {@code object} to {@code file} as {@link #writeFile} does, reporting a failure on {@code err}.
     *
     * @return whether the file was written.
     */
    static boolean writeOrReport(final Path file, final Map<String, ?> object, final PrintWriter err)
    {
        try
        {
            writeFile(file, object);
            return true;
        }
        catch (final IOException ex)
        {
            err.println("cannot write " + file + ": " + ex);
            return false;
        }
    }

    /**
     * @return {@code value} rounded to three decimals, as the result files show measured figures.
     */
    static double round3(final double value)
    {
        return Math.round(value * 1000.0) / 1000.0;
    }

    private static void appendObject(final StringBuilder out, final Map<?, ?> object)
    {
        out.append('{');
        boolean first = true;
        for (final Map.Entry<?, ?> entry : object.entrySet())
        {
            if (!first)
            {
                out.append(',');
            }
            first = false;
            appendString(out, String.valueOf(entry.getKey()));
            out.append(':');
            appendValue(out, entry.getValue());
        }
        out.append('}');
    }

    private static void appendValue(final StringBuilder out, final Object value)
    {
        if (value == null)
        {
            out.append("null");
        }
        else if (value instanceof CharSequence || value instanceof Character)
        {
            appendString(out, value.toString());
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
        else if (value instanceof Map)
        {
            appendObject(out, (Map<?, ?>)value);
        }
        else
        {
            throw new IllegalArgumentException("unsupported JSON value type " + value.getClass().getName());
        }
    }

    private static void appendString(final StringBuilder out, final String s)
    {
        out.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                case '\b': out.append("\\b"); break;
                case '\f': out.append("\\f"); break;
                default:
                    // Other control characters must be escaped; U+2028/9 too, so the output is also valid JavaScript.
                    if (c < 0x20 || c == '\u2028' || c == '\u2029')
                    {
                        out.append("\\u").append(HEX[(c >> 12) & 0xF]).append(HEX[(c >> 8) & 0xF])
                            .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
                    }
                    else
                    {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
