package io.sluice.tools;

import io.sluice.core.util.UnitText;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses a byte size that fits an int: a number of bytes, or one with a unit, {@code KiB MiB GiB} (powers of 1024) or
 * {@code KB MB GB} (of 1000), case ignored: {@code 16MiB}, {@code 64 kb}, {@code 1048576} (see {@link UnitText}).
 */
public final class ByteSizeConverter implements ITypeConverter<Integer>
{
    @Override
    public Integer convert(final String value)
    {
        final long bytes = UnitText.bytes(value);
        if (bytes == UnitText.INVALID)
        {
            throw new TypeConversionException("'" + value + "' is not a size: use bytes, or a number with KiB, MiB, "
                + "GiB, KB, MB or GB");
        }
        if (bytes == UnitText.TOO_LARGE || bytes > Integer.MAX_VALUE)
        {
            throw new TypeConversionException("'" + value + "' is more than " + Integer.MAX_VALUE + " bytes");
        }
        return (int)bytes;
    }
}
