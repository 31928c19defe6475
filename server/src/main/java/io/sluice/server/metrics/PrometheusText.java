package io.sluice.server.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small parser for the Prometheus text format 0.0.4, enough for {@code sluice top}: it reads sample lines
 * ({@code name{label="value",...} value [timestamp]}) and skips comments ({@code # HELP}, {@code # TYPE}) and
 * blank lines. Label values may contain the escapes {@code \\}, {@code \"} and {@code \n}; values may be
 * {@code NaN}, {@code +Inf} and {@code -Inf}.
 */
public final class PrometheusText
{
    /**
     * One sample.
     *
     * @param name metric name, as exposed (with {@code _total} for counters).
     * @param labels label names to values, sorted by name.
     * @param value the value.
     */
    public record Sample(String name, Map<String, String> labels, double value)
    {
        /**
         * @param label a label name.
         * @return its value, or empty when the sample has no such label.
         */
        public String label(final String label)
        {
            return labels.getOrDefault(label, "");
        }
    }

    private final Map<String, List<Sample>> byName;

    private PrometheusText(final Map<String, List<Sample>> byName)
    {
        this.byName = byName;
    }

    /**
     * @param text a scrape in the text format.
     * @return the samples in it.
     * @throws IllegalArgumentException naming the line that cannot be parsed.
     */
    public static PrometheusText parse(final String text)
    {
        final Map<String, List<Sample>> byName = new LinkedHashMap<>();
        int lineNumber = 0;
        for (final String raw : text.split("\n", -1))
        {
            lineNumber++;
            final String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#"))
            {
                continue;
            }
            final Sample sample;
            try
            {
                sample = parseLine(line);
            }
            catch (final RuntimeException ex)
            {
                throw new IllegalArgumentException(
                    "line " + lineNumber + " is not a metric sample (" + ex.getMessage() + "): " + line, ex);
            }
            byName.computeIfAbsent(sample.name(), k -> new ArrayList<>()).add(sample);
        }
        return new PrometheusText(byName);
    }

    /**
     * @param name a metric name as exposed.
     * @return its samples, in the order of the scrape; empty when there are none.
     */
    public List<Sample> samples(final String name)
    {
        return byName.getOrDefault(name, Collections.emptyList());
    }

    /**
     * @param name a metric name as exposed.
     * @return the sum of its samples' values; 0 when there are none.
     */
    public double sum(final String name)
    {
        double sum = 0;
        for (final Sample s : samples(name))
        {
            sum += s.value();
        }
        return sum;
    }

    /**
     * @param name a metric name as exposed.
     * @param labelsAndValues label names and values, alternating.
     * @return the value of the first sample with those labels (and perhaps others), or NaN when none has them.
     */
    public double value(final String name, final String... labelsAndValues)
    {
        for (final Sample s : samples(name))
        {
            boolean match = true;
            for (int i = 0; i + 1 < labelsAndValues.length && match; i += 2)
            {
                match = labelsAndValues[i + 1].equals(s.labels().get(labelsAndValues[i]));
            }
            if (match)
            {
                return s.value();
            }
        }
        return Double.NaN;
    }

    /** @return whether the scrape holds a sample of the metric. */
    public boolean has(final String name)
    {
        return !samples(name).isEmpty();
    }

    static Sample parseLine(final String line)
    {
        int i = 0;
        final int n = line.length();
        while (i < n && isNameChar(line.charAt(i), i == 0))
        {
            i++;
        }
        if (i == 0)
        {
            throw new IllegalArgumentException("no metric name");
        }
        final String name = line.substring(0, i);
        final Map<String, String> labels = new TreeMap<>();
        if (i < n && line.charAt(i) == '{')
        {
            i++;
            while (true)
            {
                i = skipSpaces(line, i);
                if (i < n && line.charAt(i) == '}')
                {
                    i++;
                    break;
                }
                final int start = i;
                while (i < n && isNameChar(line.charAt(i), i == start))
                {
                    i++;
                }
                if (i == start)
                {
                    throw new IllegalArgumentException("no label name at column " + (i + 1));
                }
                final String label = line.substring(start, i);
                i = skipSpaces(line, i);
                expect(line, i++, '=');
                i = skipSpaces(line, i);
                expect(line, i++, '"');
                final StringBuilder value = new StringBuilder();
                while (true)
                {
                    if (i >= n)
                    {
                        throw new IllegalArgumentException("unterminated label value");
                    }
                    final char c = line.charAt(i++);
                    if (c == '"')
                    {
                        break;
                    }
                    if (c == '\\')
                    {
                        if (i >= n)
                        {
                            throw new IllegalArgumentException("unterminated escape");
                        }
                        final char e = line.charAt(i++);
                        value.append(e == 'n' ? '\n' : e);
                    }
                    else
                    {
                        value.append(c);
                    }
                }
                labels.put(label, value.toString());
                i = skipSpaces(line, i);
                if (i < n && line.charAt(i) == ',')
                {
                    i++;
                }
                else if (i >= n || line.charAt(i) != '}')
                {
                    throw new IllegalArgumentException("expected ',' or '}' at column " + (i + 1));
                }
            }
        }
        i = skipSpaces(line, i);
        int end = i;
        while (end < n && !Character.isWhitespace(line.charAt(end)))
        {
            end++;
        }
        if (end == i)
        {
            throw new IllegalArgumentException("no value");
        }
        return new Sample(name, Collections.unmodifiableMap(labels), parseValue(line.substring(i, end)));
    }

    private static double parseValue(final String text)
    {
        switch (text)
        {
            case "NaN":
                return Double.NaN;
            case "+Inf":
            case "Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                return Double.parseDouble(text);
        }
    }

    private static boolean isNameChar(final char c, final boolean first)
    {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || !first && c >= '0' && c <= '9';
    }

    private static int skipSpaces(final String line, final int from)
    {
        int i = from;
        while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t'))
        {
            i++;
        }
        return i;
    }

    private static void expect(final String line, final int at, final char c)
    {
        if (at >= line.length() || line.charAt(at) != c)
        {
            throw new IllegalArgumentException("expected '" + c + "' at column " + (at + 1));
        }
    }
}
