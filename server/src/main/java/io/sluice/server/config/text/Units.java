package io.sluice.server.config.text;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes and durations as people write them in config files and on the command line.
 * <ul>
 *     <li>Byte sizes: a whole number of bytes, optionally followed by a unit: {@code B}, {@code KiB}, {@code MiB},
 *     {@code GiB} (powers of 1024) or {@code KB}, {@code MB}, {@code GB} (powers of 1000). Units are
 *     case-insensitive and may be separated from the number by spaces: {@code 8MiB}, {@code 64 kib},
 *     {@code 1048576}.</li>
 *     <li>Durations: a whole number of milliseconds, optionally followed by {@code ms}, {@code s} or {@code m}
 *     (minutes): {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1000}.</li>
 * </ul>
 * Fractions and negative numbers are refused rather than rounded, so that what is written is exactly what runs.
 */
public final class Units
{
    /** Example text for byte-size error messages. */
    public static final String BYTES_EXAMPLE = "e.g. 8MiB, 64KiB, 1048576";
    /** Example text for duration error messages. */
    public static final String DURATION_EXAMPLE = "e.g. 500ms, 5s";

    private static final Pattern NUMBER_AND_UNIT = Pattern.compile("([0-9]+)\\s*([a-zA-Z]*)");
    private static final long KIB = 1024L;
    private static final long MIB = 1024L * KIB;
    private static final long GIB = 1024L * MIB;

    private Units()
    {
    }

    /**
     * @param text a byte size such as {@code 8MiB}, {@code 64KB} or {@code 1048576}.
     * @return the number of bytes.
     * @throws IllegalArgumentException saying what is wrong and what is accepted.
     */
    public static long parseBytes(final String text)
    {
        final Matcher m = match(text);
        if (m != null)
        {
            final long multiplier = switch (m.group(2).toLowerCase(Locale.ROOT))
            {
                case "", "b" -> 1L;
                case "kib" -> KIB;
                case "mib" -> MIB;
                case "gib" -> GIB;
                case "kb" -> 1_000L;
                case "mb" -> 1_000_000L;
                case "gb" -> 1_000_000_000L;
                default -> -1L;
            };
            if (multiplier > 0)
            {
                return multiply(text, m.group(1), multiplier, "bytes");
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a byte size (" + BYTES_EXAMPLE + ")");
    }

    /**
     * @param text a duration such as {@code 500ms}, {@code 5s}, {@code 2m} or {@code 1000} (milliseconds).
     * @return the duration in milliseconds.
     * @throws IllegalArgumentException saying what is wrong and what is accepted.
     */
    public static long parseMillis(final String text)
    {
        final Matcher m = match(text);
        if (m != null)
        {
            final long multiplier = switch (m.group(2).toLowerCase(Locale.ROOT))
            {
                case "", "ms" -> 1L;
                case "s" -> 1_000L;
                case "m" -> 60_000L;
                default -> -1L;
            };
            if (multiplier > 0)
            {
                return multiply(text, m.group(1), multiplier, "milliseconds");
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a duration (" + DURATION_EXAMPLE + ")");
    }

    /**
     * @param text a duration such as {@code 250us}, {@code 5ms}, {@code 1s} or {@code 20} (milliseconds);
     *             {@code ns}, {@code us}, {@code ms}, {@code s} and {@code m} are understood.
     * @return the duration in nanoseconds.
     * @throws IllegalArgumentException saying what is wrong and what is accepted.
     */
    public static long parseNanos(final String text)
    {
        final Matcher m = match(text);
        if (m != null)
        {
            final long multiplier = switch (m.group(2).toLowerCase(Locale.ROOT))
            {
                case "ns" -> 1L;
                case "us" -> 1_000L;
                case "", "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> -1L;
            };
            if (multiplier > 0)
            {
                return multiply(text, m.group(1), multiplier, "nanoseconds");
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a duration (e.g. 250us, 5ms, 1s)");
    }

    /**
     * Formats a byte count for people: in the largest binary unit that holds it exactly ({@code 8 MiB},
     * {@code 1536 KiB}), else as plain bytes ({@code 1000 B}). The result parses back with {@link #parseBytes}.
     *
     * @param bytes a byte count.
     * @return the text.
     */
    public static String formatBytes(final long bytes)
    {
        // Exact rather than rounded ("1.5 MiB"): these values are settings, and a rounded echo of a setting
        // misleads when someone copies it back into a config file.
        if (bytes != 0)
        {
            if (bytes % GIB == 0)
            {
                return bytes / GIB + " GiB";
            }
            if (bytes % MIB == 0)
            {
                return bytes / MIB + " MiB";
            }
            if (bytes % KIB == 0)
            {
                return bytes / KIB + " KiB";
            }
        }
        return bytes + " B";
    }

    /**
     * @param value a byte size that must fit an int, as parsed by {@link #parseBytes}.
     * @param text the text it came from, for the message.
     * @return the value as an int.
     * @throws IllegalArgumentException when it does not fit.
     */
    public static int toIntBytes(final long value, final String text)
    {
        if (value > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("'" + text + "' is too large (at most " + Integer.MAX_VALUE + " bytes)");
        }
        return (int)value;
    }

    /**
     * @param value a duration that must fit an int, as parsed by {@link #parseMillis}.
     * @param text the text it came from, for the message.
     * @return the value as an int.
     * @throws IllegalArgumentException when it does not fit.
     */
    public static int toIntMillis(final long value, final String text)
    {
        if (value > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("'" + text + "' is too long (at most " + Integer.MAX_VALUE + " ms)");
        }
        return (int)value;
    }

    private static Matcher match(final String text)
    {
        if (text == null)
        {
            return null;
        }
        final Matcher m = NUMBER_AND_UNIT.matcher(text.strip());
        return m.matches() ? m : null;
    }

    private static long multiply(final String text, final String digits, final long multiplier, final String what)
    {
        try
        {
            return Math.multiplyExact(Long.parseLong(digits), multiplier);
        }
        catch (final ArithmeticException | NumberFormatException ex)
        {
            throw new IllegalArgumentException(
                "'" + text + "' is too large (more than " + Long.MAX_VALUE + " " + what + ")");
        }
    }
}
