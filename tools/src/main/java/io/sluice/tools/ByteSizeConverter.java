package io.sluice.tools;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a byte size that fits an int: a number of bytes, or one with a unit, {@code KiB MiB GiB} (powers of 1024) or
 * {@code KB MB GB} (of 1000), case ignored: {@code 16MiB}, {@code 64 kb}, {@code 1048576}.
 */
public final class ByteSizeConverter implements ITypeConverter<Integer>
{
    private static final Pattern SIZE = Pattern.compile("(\\d{1,10})\\s*([kmg]i?b|b)?");

    @Override
    public Integer convert(final String value)
    {
        final Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches())
        {
            throw new TypeConversionException("'" + value + "' is not a size: use bytes, or a number with KiB, MiB, "
                + "GiB, KB, MB or GB");
        }
        final long multiplier = m.group(2) == null ? 1 : switch (m.group(2))
        {
            case "kib" -> 1L << 10;
            case "mib" -> 1L << 20;
            case "gib" -> 1L << 30;
            case "kb" -> 1_000L;
            case "mb" -> 1_000_000L;
            case "gb" -> 1_000_000_000L;
            default -> 1L;
        };
        final long bytes = Long.parseLong(m.group(1)) * multiplier;
        if (bytes > Integer.MAX_VALUE)
        {
            throw new TypeConversionException("'" + value + "' is more than " + Integer.MAX_VALUE + " bytes");
        }
        return (int)bytes;
    }
}
