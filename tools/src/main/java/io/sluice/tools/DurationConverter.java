package io.sluice.tools;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations such as {@code 500ms}, {@code 10s}, {@code 1.5m}, {@code 2h} (units ns, us, ms, s, m, h),
 * or ISO-8601 such as {@code PT10S}.
 */
public final class DurationConverter implements ITypeConverter<Duration>
{
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|µs|ms|s|m|h)");

    @Override
    public Duration convert(final String value)
    {
        return parse(value);
    }

    /**
     * @param value text such as {@code 10s}.
     * @return the duration.
     * @throws TypeConversionException when the text is not a duration.
     */
    public static Duration parse(final String value)
    {
        final String text = value.trim();
        final Matcher m = FORMAT.matcher(text.toLowerCase(Locale.ROOT));
        if (m.matches())
        {
            final double amount = Double.parseDouble(m.group(1));
            final long unitNanos;
            switch (m.group(2))
            {
                case "ns": unitNanos = 1; break;
                case "us":
                case "µs": unitNanos = 1_000; break;
                case "ms": unitNanos = 1_000_000; break;
                case "s": unitNanos = SECOND_NANOS; break;
                case "m": unitNanos = 60 * SECOND_NANOS; break;
                default: unitNanos = 3_600 * SECOND_NANOS; break;
            }
            final double nanos = amount * unitNanos;
            if (nanos >= Long.MAX_VALUE)
            {
                throw new TypeConversionException("duration too long: '" + value + "'");
            }
            return Duration.ofNanos(Math.round(nanos));
        }
        if (text.regionMatches(true, 0, "PT", 0, 2))
        {
            try
            {
                return Duration.parse(text);
            }
            catch (final RuntimeException ex)
            {
                // Fall through to the common message.
            }
        }
        throw new TypeConversionException("'" + value + "' is not a duration: use a number and a unit, e.g. 500ms, "
            + "10s, 2m");
    }
}
