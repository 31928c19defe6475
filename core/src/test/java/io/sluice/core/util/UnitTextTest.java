package io.sluice.core.util;

import org.junit.jupiter.api.Test;

import static io.sluice.core.util.UnitText.INVALID;
import static io.sluice.core.util.UnitText.TOO_LARGE;
import static org.junit.jupiter.api.Assertions.assertEquals;

class UnitTextTest
{
    @Test
    void readsByteSizesInEveryUnit()
    {
        assertEquals(1_048_576, UnitText.bytes("1048576"));
        assertEquals(512, UnitText.bytes("512B"));
        assertEquals(64L << 10, UnitText.bytes(" 64 kib "));
        assertEquals(8L << 20, UnitText.bytes("8MiB"));
        assertEquals(3L << 30, UnitText.bytes("3GIB"));
        assertEquals(2_000, UnitText.bytes("2KB"));
        assertEquals(5_000_000, UnitText.bytes("5mb"));
        assertEquals(1_000_000_000, UnitText.bytes("1GB"));
        assertEquals(0, UnitText.bytes("0"));
    }

    @Test
    void refusesWhatIsNotAWholeNumberOfAKnownUnit()
    {
        for (final String bad : new String[] {"", " ", "-1", "1.5MiB", "8 MeB", "lots", "MiB", "4 Mi B", "1e3"})
        {
            assertEquals(INVALID, UnitText.bytes(bad), bad);
        }
        assertEquals(INVALID, UnitText.bytes(null));
        assertEquals(INVALID, UnitText.millis("5us"));
        assertEquals(INVALID, UnitText.millis("fast"));
        assertEquals(INVALID, UnitText.nanos("1h"));
        assertEquals(INVALID, UnitText.nanos(null));
    }

    @Test
    void saysWhenTheResultIsMoreThanALongHolds()
    {
        assertEquals(TOO_LARGE, UnitText.bytes("99999999999GiB"));
        assertEquals(TOO_LARGE, UnitText.bytes("99999999999999999999"));
        assertEquals(TOO_LARGE, UnitText.millis("9223372036854775807m"));
        assertEquals(TOO_LARGE, UnitText.nanos("9223372037s"));
        assertEquals(Long.MAX_VALUE, UnitText.bytes(Long.toString(Long.MAX_VALUE)));
    }

    @Test
    void readsDurations()
    {
        assertEquals(750, UnitText.millis("750"));
        assertEquals(500, UnitText.millis("500ms"));
        assertEquals(5_000, UnitText.millis(" 5s "));
        assertEquals(120_000, UnitText.millis("2M"));
        assertEquals(7, UnitText.nanos("7ns"));
        assertEquals(250_000, UnitText.nanos("250us"));
        assertEquals(20_000_000, UnitText.nanos("20"));
        assertEquals(5_000_000, UnitText.nanos("5ms"));
        assertEquals(1_000_000_000, UnitText.nanos("1S"));
        assertEquals(60_000_000_000L, UnitText.nanos("1m"));
    }
}
