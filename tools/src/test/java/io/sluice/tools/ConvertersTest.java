package io.sluice.tools;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConvertersTest
{
    @Test
    void parsesDurationsWithUnits()
    {
        assertEquals(Duration.ofMillis(500), DurationConverter.parse("500ms"));
        assertEquals(Duration.ofSeconds(10), DurationConverter.parse("10s"));
        assertEquals(Duration.ofMinutes(2), DurationConverter.parse("2m"));
        assertEquals(Duration.ofHours(1), DurationConverter.parse("1h"));
        assertEquals(Duration.ofMillis(1500), DurationConverter.parse("1.5s"));
        assertEquals(Duration.ofNanos(250_000), DurationConverter.parse("250us"));
        assertEquals(Duration.ofNanos(7), DurationConverter.parse("7ns"));
        assertEquals(Duration.ofSeconds(3), DurationConverter.parse(" 3S "));
        assertEquals(Duration.ofSeconds(10), DurationConverter.parse("PT10S"));
    }

    @Test
    void refusesDurationsWithoutAUnit()
    {
        for (final String bad : new String[] {"10", "", "s", "-1s", "10x", "ten seconds", "PTxS", "1e3s"})
        {
            assertThrows(TypeConversionException.class, () -> DurationConverter.parse(bad), bad);
        }
    }

    @Test
    void parsesRates()
    {
        final RateConverter converter = new RateConverter();
        assertEquals(0.0, converter.convert("max"));
        assertEquals(0.0, converter.convert("MAX"));
        assertEquals(20_000.0, converter.convert("20000"));
        assertEquals(0.5, converter.convert("0.5"));
        for (final String bad : new String[] {"0", "-5", "fast", "Infinity", "NaN"})
        {
            assertThrows(TypeConversionException.class, () -> converter.convert(bad), bad);
        }
    }

    @Test
    void parsesByteSizes()
    {
        final ByteSizeConverter converter = new ByteSizeConverter();
        assertEquals(1_048_576, converter.convert("1048576"));
        assertEquals(4 << 20, converter.convert("4MiB"));
        assertEquals(64 << 10, converter.convert(" 64 kib "));
        assertEquals(2_000_000, converter.convert("2MB"));
        assertEquals(1 << 30, converter.convert("1GiB"));
        for (final String bad : new String[] {"", "-1", "4 MeB", "2GiB", "lots", "1.5MiB"})
        {
            assertThrows(TypeConversionException.class, () -> converter.convert(bad), bad);
        }
    }

    @Test
    void refusesSizesBeyondAnIntWithoutWrappingAround()
    {
        final ByteSizeConverter converter = new ByteSizeConverter();
        assertEquals(Integer.MAX_VALUE, converter.convert("2147483647"));
        for (final String tooLarge : new String[] {"2147483648", "9999999999GiB", "99999999999999999999"})
        {
            assertEquals("'" + tooLarge + "' is more than 2147483647 bytes",
                assertThrows(TypeConversionException.class, () -> converter.convert(tooLarge)).getMessage());
        }
        assertEquals("'4 MeB' is not a size: use bytes, or a number with KiB, MiB, GiB, KB, MB or GB",
            assertThrows(TypeConversionException.class, () -> converter.convert("4 MeB")).getMessage());
    }
}
