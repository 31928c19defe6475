package io.sluice.core.util;

import java.util.Locale;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes and durations as people write them: a whole number, optionally followed by a unit (case ignored, spaces
 * allowed between the two and around them).
 * <ul>
 *     <li>Byte sizes: {@code B}, {@code KiB}, {@code MiB}, {@code GiB} (powers of 1024) or {@code KB}, {@code MB},
 *     {@code GB} (powers of 1000); no unit is bytes: {@code 8MiB}, {@code 64 kib}, {@code 1048576}.</li>
 *     <li>Durations: {@code ns}, {@code us}, {@code ms}, {@code s} or {@code m} (minutes); no unit is
 *     milliseconds: {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1000}.</li>
 * </ul>
 * Fractions and negative numbers are refused rather than rounded, so that what is written is exactly what runs.
 * <p>
 * The parsers answer {@link #INVALID} or {@link #TOO_LARGE} instead of throwing, so that each caller words the
 * error for its own users (a config file, a command-line option).
 */
public final class UnitText
{
    /** What the parsers answer for text that is not a number with one of their units. */
    public static final long INVALID = -1;
    /** What the parsers answer for a number with a unit that is more than {@link Long#MAX_VALUE} of the result. */
    public static final long TOO_LARGE = -2;

    private static final Pattern NUMBER_AND_UNIT = Pattern.compile("([0-9]+)\\s*([a-zA-Z]*)");
    private static final long NO_UNIT = -1;

    private UnitText()
    {
    }

    /**
     * @param text a byte size such as {@code 8MiB}, {@code 64KB} or {@code 1048576}; may be null.
     * @return the number of bytes, {@link #INVALID} or {@link #TOO_LARGE}.
     */
    public static long bytes(final String text)
    {
        return parse(text, UnitText::bytesPer);
    }

    /**
     * @param text a duration such as {@code 500ms}, {@code 5s}, {@code 2m} or {@code 1000} (milliseconds); may be
     *             null.
     * @return the duration in milliseconds, {@link #INVALID} (also for {@code ns} and {@code us}, finer than a
     * millisecond) or {@link #TOO_LARGE}.
     */
    public static long millis(final String text)
    {
        return parse(text, UnitText::millisPer);
    }

    /**
     * @param text a duration such as {@code 250us}, {@code 5ms}, {@code 1s} or {@code 20} (milliseconds); may be
     *             null.
     * @return the duration in nanoseconds, {@link #INVALID} or {@link #TOO_LARGE}.
     */
    public static long nanos(final String text)
    {
        return parse(text, UnitText::nanosPer);
    }

    private static long bytesPer(final String unit)
    {
        return switch (unit)
        {
            case "", "b" -> 1L;
            case "kib" -> 1L << 10;
            case "mib" -> 1L << 20;
            case "gib" -> 1L << 30;
            case "kb" -> 1_000L;
            case "mb" -> 1_000_000L;
            case "gb" -> 1_000_000_000L;
            default -> NO_UNIT;
        };
    }

    private static long millisPer(final String unit)
    {
        return switch (unit)
        {
            case "", "ms" -> 1L;
            case "s" -> 1_000L;
            case "m" -> 60_000L;
            default -> NO_UNIT;
        };
    }

    private static long nanosPer(final String unit)
    {
        return switch (unit)
        {
            case "ns" -> 1L;
            case "us" -> 1_000L;
            case "", "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> NO_UNIT;
        };
    }

    // perUnit: the multiplier for a unit in lower case ("" for none), or NO_UNIT.
    private static long parse(final String text, final ToLongFunction<String> perUnit)
    {
        if (text == null)
        {
            return INVALID;
        }
        final Matcher m = NUMBER_AND_UNIT.matcher(text.strip());
        if (!m.matches())
        {
            return INVALID;
        }
        final long multiplier = perUnit.applyAsLong(m.group(2).toLowerCase(Locale.ROOT));
        if (multiplier == NO_UNIT)
        {
            return INVALID;
        }
        try
        {
            return Math.multiplyExact(Long.parseLong(m.group(1)), multiplier);
        }
        catch (final ArithmeticException | NumberFormatException ex)
        {
            // The pattern admits only digits, so either way the number is more than a long holds.
            return TOO_LARGE;
        }
    }
}
