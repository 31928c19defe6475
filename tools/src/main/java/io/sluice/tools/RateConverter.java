package io.sluice.tools;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses a rate: a positive number of messages per second, or {@code max} (returned as 0: no pacing).
 */
public final class RateConverter implements ITypeConverter<Double>
{
    @Override
    public Double convert(final String value)
    {
        if ("max".equalsIgnoreCase(value.trim()))
        {
            return 0.0;
        }
        final double rate;
        try
        {
            rate = Double.parseDouble(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new TypeConversionException("'" + value + "' is not a rate: use messages per second or max");
        }
        if (!(rate > 0) || Double.isInfinite(rate))
        {
            throw new TypeConversionException("rate must be positive, was '" + value + "'");
        }
        return rate;
    }
}
