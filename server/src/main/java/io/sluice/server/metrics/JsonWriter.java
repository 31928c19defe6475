package io.sluice.server.metrics;

/**
 * Writes JSON text into a {@link StringBuilder}, one token at a time, putting the commas and colons where they go.
 * Numbers that are not finite are written as {@code null}; fractions keep three decimals. Strings escape what JSON
 * requires, and {@code <}, {@code >} and {@code &} too, so that the text is inert if it ever lands in HTML
 * ({@link #quote}, also used by the bench's JSON).
 */
public final class JsonWriter
{
    private final StringBuilder out;
    // Whether the next token is the first in its object or array, or follows a name: no comma before it.
    private boolean first = true;

    JsonWriter(final int capacity)
    {
        this.out = new StringBuilder(capacity);
    }

    JsonWriter beginObject()
    {
        separate();
        out.append('{');
        first = true;
        return this;
    }

    JsonWriter endObject()
    {
        out.append('}');
        first = false;
        return this;
    }

    JsonWriter beginArray()
    {
        separate();
        out.append('[');
        first = true;
        return this;
    }

    JsonWriter endArray()
    {
        out.append(']');
        first = false;
        return this;
    }

    JsonWriter name(final String name)
    {
        separate();
        quote(out, name);
        out.append(':');
        first = true;
        return this;
    }

    JsonWriter value(final String value)
    {
        separate();
        if (value == null)
        {
            out.append("null");
        }
        else
        {
            quote(out, value);
        }
        return this;
    }

    JsonWriter value(final long value)
    {
        separate();
        out.append(value);
        return this;
    }

    JsonWriter value(final boolean value)
    {
        separate();
        out.append(value);
        return this;
    }

    JsonWriter value(final double value)
    {
        separate();
        if (!Double.isFinite(value))
        {
            out.append("null");
            return this;
        }
        final double rounded = Math.abs(value) < 1e12 ? Math.round(value * 1000) / 1000.0 : value;
        if (rounded == Math.rint(rounded) && Math.abs(rounded) < 1e15)
        {
            out.append((long)rounded);
        }
        else
        {
            out.append(rounded);
        }
        return this;
    }

    JsonWriter nullValue()
    {
        separate();
        out.append("null");
        return this;
    }

    /** Writes a name and a string value. */
    JsonWriter field(final String name, final String value)
    {
        return name(name).value(value);
    }

    /** Writes a name and a whole-number value. */
    JsonWriter field(final String name, final long value)
    {
        return name(name).value(value);
    }

    /** Writes a name and a number value; null when not finite. */
    JsonWriter field(final String name, final double value)
    {
        return name(name).value(value);
    }

    /** Writes a name and a boolean value. */
    JsonWriter field(final String name, final boolean value)
    {
        return name(name).value(value);
    }

    @Override
    public String toString()
    {
        return out.toString();
    }

    private void separate()
    {
        if (!first)
        {
            out.append(',');
        }
        first = false;
    }

    /**
     * @param out where to write.
     * @param s a string.
     */
    public static void quote(final StringBuilder out, final String s)
    {
        out.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default ->
                {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029')
                    {
                        out.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
