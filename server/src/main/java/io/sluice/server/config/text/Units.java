package io.sluice.server.config.text;

import io.sluice.core.util.UnitText;

/**
 * Byte sizes and durations as people write them in config files and on the command line, read with
 * {@link UnitText} (which says what is accepted) and refused with messages that show what to write instead.
 * <ul>
 *     <li>Byte sizes: a whole number of bytes, optionally followed by a unit: {@code B}, {@code KiB}, {@code MiB},
 *     {@code GiB} (powers of 1024) or {@code KB}, {@code MB}, {@code GB} (powers of 1000): {@code 8MiB},
 *     {@code 64 kib}, {@code 1048576}.</li>
 *     <li>Durations: a whole number of milliseconds, optionally followed by {@code ms}, {@code s} or {@code m}
 *     (minutes): {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1000}.</li>
 * </ul>
 */
public final class Units
{
    /** Example text for byte-size error messages. */
    public static final String BYTES_EXAMPLE = "e.g. 8MiB, 64KiB, 1048576";
    /** Example text for duration error messages. */
    public static final String DURATION_EXAMPLE = "e.g. 500ms, 5s";

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
        return orThrow(UnitText.bytes(text), text, "is not a byte size (" + BYTES_EXAMPLE + ")", "bytes");
    }

    /**
     * @param text a duration such as {@code 500ms}, {@code 5s}, {@code 2m} or {@code 1000} (milliseconds).
     * @return the duration in milliseconds.
     * @throws IllegalArgumentException saying what is wrong and what is accepted.
     */
    public static long parseMillis(final String text)
    {
        return orThrow(UnitText.millis(text), text, "is not a duration (" + DURATION_EXAMPLE + ")", "milliseconds");
    }

    /**
     * @param text a duration such as {@code 250us}, {@code 5ms}, {@code 1s} or {@code 20} (milliseconds);
     *             {@code ns}, {@code us}, {@code ms}, {@code s} and {@code m} are understood.
     * @return the duration in nanoseconds.
     * @throws IllegalArgumentException saying what is wrong and what is accepted.
     */
    public static long parseNanos(final String text)
    {
        return orThrow(UnitText.nanos(text), text, "is not a duration (e.g. 250us, 5ms, 1s)", "nanoseconds");
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

    private static long orThrow(final long parsed, final String text, final String invalid, final String what)
    {
        if (parsed == UnitText.INVALID)
        {
            throw new IllegalArgumentException("'" + text + "' " + invalid);
        }
        if (parsed == UnitText.TOO_LARGE)
        {
            throw new IllegalArgumentException(
                "'" + text + "' is too large (more than " + Long.MAX_VALUE + " " + what + ")");
        }
        return parsed;
    }
}
