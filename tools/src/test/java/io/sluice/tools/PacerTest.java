package io.sluice.tools;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A paced run's intended send times. */
final class PacerTest
{
    @Test
    void messageIIsDueAtStartPlusIOverRate()
    {
        final Pacer pacer = new Pacer(5_000, 1_000);

        assertTrue(pacer.paced());
        assertEquals(5_000, pacer.intendedNanos(0));
        assertEquals(1_005_000, pacer.intendedNanos(1));
        assertEquals(1_505_000, new Pacer(5_000, 2_000).intendedNanos(3));
    }

    @Test
    void maxRateIsUnpaced()
    {
        final Pacer pacer = new Pacer(5_000, 0);

        assertFalse(pacer.paced());
        assertEquals(5_000, pacer.intendedNanos(1_000));
    }
}
