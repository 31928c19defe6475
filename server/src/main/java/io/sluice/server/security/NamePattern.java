package io.sluice.server.security;

import io.sluice.core.protocol.Hello;

import java.util.Arrays;

/**
 * A pattern of stream (or durable subscription) names, in tokens separated by dots, as NATS subjects:
 * {@code prices.eu} matches that name only; {@code *} matches exactly one token ({@code prices.*} matches
 * {@code prices.eu} but not {@code prices} or {@code prices.eu.fx}); {@code >} as the last token matches one or more
 * tokens ({@code prices.>} matches {@code prices.eu} and {@code prices.eu.fx}; {@code >} alone matches every name).
 */
final class NamePattern
{
    private static final String ONE = "*";
    private static final String REST = ">";

    private final String text;
    private final String[] tokens;

    private NamePattern(final String text, final String[] tokens)
    {
        this.text = text;
        this.tokens = tokens;
    }

    /**
     * @param text the pattern.
     * @return it, compiled.
     * @throws IllegalArgumentException saying what is wrong with it.
     */
    static NamePattern of(final String text)
    {
        if (text == null || text.isEmpty())
        {
            throw new IllegalArgumentException("empty pattern");
        }
        final String[] tokens = text.split("\\.", -1);
        for (int i = 0; i < tokens.length; i++)
        {
            final String token = tokens[i];
            if (token.isEmpty())
            {
                throw new IllegalArgumentException(
                    "pattern '" + text + "' has an empty token (two dots, or a dot at an end)");
            }
            if (REST.equals(token) && i != tokens.length - 1)
            {
                throw new IllegalArgumentException("pattern '" + text + "': '>' may only be the last token");
            }
            if (!ONE.equals(token) && !REST.equals(token))
            {
                final String problem = Hello.checkName("pattern", token, false);
                if (problem != null)
                {
                    throw new IllegalArgumentException("pattern '" + text + "': token '" + token +
                        "' must be a name (letters, digits, '_', '-'), '*' or '>'");
                }
            }
        }
        return new NamePattern(text, tokens);
    }

    /**
     * @param name a stream or subscription name.
     * @return whether the pattern matches it; allocates nothing.
     */
    boolean matches(final String name)
    {
        int start = 0;
        for (int i = 0; i < tokens.length; i++)
        {
            if (start > name.length())
            {
                return false; // the name has fewer tokens than the pattern
            }
            final String token = tokens[i];
            if (REST.equals(token))
            {
                return start < name.length();
            }
            int end = name.indexOf('.', start);
            if (end < 0)
            {
                end = name.length();
            }
            if (!ONE.equals(token) &&
                (end - start != token.length() || !name.regionMatches(start, token, 0, token.length())))
            {
                return false;
            }
            if (ONE.equals(token) && end == start)
            {
                return false;
            }
            start = end + 1;
        }
        return start > name.length();
    }

    @Override
    public String toString()
    {
        return text;
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof NamePattern that && Arrays.equals(tokens, that.tokens);
    }

    @Override
    public int hashCode()
    {
        return text.hashCode();
    }
}
