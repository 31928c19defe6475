package io.sluice.server.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON parser for tests (objects as maps in order, arrays as lists, numbers as doubles), so that what the
 * endpoint serves is checked as JSON, not as text: anything malformed fails with the position.
 */
final class JsonText
{
    private final String text;
    private int at;

    private JsonText(final String text)
    {
        this.text = text;
    }

    static Object parse(final String text)
    {
        final JsonText parser = new JsonText(text);
        final Object value = parser.value();
        parser.spaces();
        if (parser.at != text.length())
        {
            throw parser.error("text after the value");
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(final Object value)
    {
        return (Map<String, Object>)value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> array(final Object value)
    {
        return (List<Object>)value;
    }

    /** @return the objects of an array. */
    static List<Map<String, Object>> objects(final Object value)
    {
        final List<Map<String, Object>> list = new ArrayList<>();
        for (final Object o : array(value))
        {
            list.add(object(o));
        }
        return list;
    }

    private Object value()
    {
        spaces();
        if (at >= text.length())
        {
            throw error("end of text where a value was expected");
        }
        final char c = text.charAt(at);
        switch (c)
        {
            case '{':
                return objectValue();
            case '[':
                return arrayValue();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                return number();
        }
    }

    private Map<String, Object> objectValue()
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        at++;
        spaces();
        if (peek() == '}')
        {
            at++;
            return map;
        }
        while (true)
        {
            spaces();
            final String name = string();
            spaces();
            expect(':');
            if (map.put(name, value()) != null)
            {
                throw error("duplicate name " + name);
            }
            spaces();
            if (peek() == ',')
            {
                at++;
                continue;
            }
            expect('}');
            return map;
        }
    }

    private List<Object> arrayValue()
    {
        final List<Object> list = new ArrayList<>();
        at++;
        spaces();
        if (peek() == ']')
        {
            at++;
            return list;
        }
        while (true)
        {
            list.add(value());
            spaces();
            if (peek() == ',')
            {
                at++;
                continue;
            }
            expect(']');
            return list;
        }
    }

    private String string()
    {
        expect('"');
        final StringBuilder b = new StringBuilder();
        while (true)
        {
            if (at >= text.length())
            {
                throw error("unterminated string");
            }
            final char c = text.charAt(at++);
            if (c == '"')
            {
                return b.toString();
            }
            if (c < 0x20)
            {
                throw error("control character in a string");
            }
            if (c != '\\')
            {
                b.append(c);
                continue;
            }
            final char e = text.charAt(at++);
            switch (e)
            {
                case '"', '\\', '/' -> b.append(e);
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'u' ->
                {
                    b.append((char)Integer.parseInt(text.substring(at, at + 4), 16));
                    at += 4;
                }
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private Object literal(final String word, final Object value)
    {
        if (!text.startsWith(word, at))
        {
            throw error("expected " + word);
        }
        at += word.length();
        return value;
    }

    private Double number()
    {
        final int start = at;
        while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0)
        {
            at++;
        }
        if (start == at)
        {
            throw error("unexpected character '" + text.charAt(at) + "'");
        }
        return Double.valueOf(text.substring(start, at));
    }

    private char peek()
    {
        return at < text.length() ? text.charAt(at) : '\0';
    }

    private void expect(final char c)
    {
        if (peek() != c)
        {
            throw error("expected '" + c + "'");
        }
        at++;
    }

    private void spaces()
    {
        while (at < text.length() && Character.isWhitespace(text.charAt(at)))
        {
            at++;
        }
    }

    private IllegalArgumentException error(final String what)
    {
        return new IllegalArgumentException(what + " at " + at + ": "
            + text.substring(Math.max(0, at - 40), Math.min(text.length(), at + 40)));
    }
}
