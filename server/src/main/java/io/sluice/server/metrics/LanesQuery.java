package io.sluice.server.metrics;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What a request to {@code /lanes} asks for: the order of the streams (and of the lanes within each), and which page
 * of streams: {@code ?sort=lag&offset=0&limit=100}, every parameter optional.
 *
 * @param sort the order.
 * @param offset streams to skip.
 * @param limit most streams to list.
 */
record LanesQuery(Sort sort, int offset, int limit)
{
    /** Streams listed when the request does not say. */
    static final int DEFAULT_LIMIT = 100;
    /** Most streams one request may list. */
    static final int MAX_LIMIT = 1000;
    /** What {@code /lanes} answers with no parameters. */
    static final LanesQuery DEFAULT = new LanesQuery(Sort.LAG, 0, DEFAULT_LIMIT);

    /** Orders of {@code ?sort=}. */
    enum Sort
    {
        /** Largest lag first (the age of the oldest waiting message), then most messages waiting. */
        LAG,
        /** Most messages waiting first. */
        WAITING,
        /** Highest rate in first. */
        IN,
        /** Highest rate out first. */
        OUT,
        /** Most throttled first: streams by their publishers' paused share, lanes by the share they held them. */
        THROTTLED,
        /** By name: streams by name, lanes by subscriber address. */
        NAME;

        String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }

        static String labels()
        {
            final StringBuilder b = new StringBuilder();
            for (final Sort s : values())
            {
                b.append(b.length() == 0 ? "" : ", ").append(s.label());
            }
            return b.toString();
        }
    }

    /**
     * @param rawQuery the request's query string, undecoded; may be null.
     * @return the query.
     * @throws IllegalArgumentException naming the parameter that is wrong and what it may be.
     */
    static LanesQuery parse(final String rawQuery)
    {
        Sort sort = DEFAULT.sort();
        int offset = DEFAULT.offset();
        int limit = DEFAULT.limit();
        if (rawQuery == null || rawQuery.isEmpty())
        {
            return DEFAULT;
        }
        for (final String pair : rawQuery.split("&"))
        {
            if (pair.isEmpty())
            {
                continue;
            }
            final int eq = pair.indexOf('=');
            final String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            final String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            switch (name)
            {
                case "sort" -> sort = sort(value);
                case "offset" -> offset = number(name, value, 0, Integer.MAX_VALUE);
                case "limit" -> limit = number(name, value, 1, MAX_LIMIT);
                default -> throw new IllegalArgumentException(
                    "unknown parameter '" + name + "': /lanes takes sort, offset and limit");
            }
        }
        return new LanesQuery(sort, offset, limit);
    }

    private static Sort sort(final String value)
    {
        for (final Sort s : Sort.values())
        {
            if (s.label().equals(value))
            {
                return s;
            }
        }
        throw new IllegalArgumentException("sort='" + value + "' is not one of " + Sort.labels());
    }

    private static int number(final String name, final String value, final int min, final int max)
    {
        try
        {
            final int n = Integer.parseInt(value);
            if (n >= min && n <= max)
            {
                return n;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // Reported below.
        }
        throw new IllegalArgumentException(name + "='" + value + "' is not a whole number from " + min + " to " + max);
    }

    private static String decode(final String text)
    {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    /** @return the query as a cache key: equal queries, equal keys. */
    String key()
    {
        return sort.label() + '&' + offset + '&' + limit;
    }
}
