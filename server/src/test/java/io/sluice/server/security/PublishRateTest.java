package io.sluice.server.security;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The publish rate on a hand-advanced clock: a second's burst goes at once, beyond it each connection is told to wait
 * exactly as long as the bytes it read take at the rate, and the wait shrinks as time passes.
 */
class PublishRateTest
{
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private long now = 1_000_000;
    private final PublishRate rate = new PublishRate(1000, () -> now);

    @Test
    void aSecondsWorthGoesAtOnceThenReadingWaits()
    {
        assertEquals(0, rate.onBytes(1000), "one second's burst");
        final long wait = rate.onBytes(500);
        assertEquals(SECOND / 2, wait, "500 bytes beyond the burst at 1000 B/s");
        now += SECOND / 4;
        assertEquals(SECOND / 4, rate.delayNanos());
        now += SECOND / 4;
        assertEquals(0, rate.delayNanos());
    }

    @Test
    void connectionsShareTheRate()
    {
        rate.onBytes(1000);
        assertEquals(SECOND / 10, rate.onBytes(100), "a second connection of the principal");
        assertEquals(SECOND / 10 * 2, rate.onBytes(100), "and a third");
    }

    @Test
    void idleTimeIsNotSavedUpBeyondTheBurst()
    {
        now += 60 * SECOND;
        assertEquals(0, rate.onBytes(1000));
        assertTrue(rate.onBytes(1) > 0, "a minute idle buys no more than a second's burst");
    }

    @Test
    void noRateNeverWaitsAndAReloadChangesTheRate()
    {
        final PublishRate none = new PublishRate(0, () -> now);
        assertEquals(0, none.onBytes(Integer.MAX_VALUE));
        assertEquals(0, none.delayNanos());
        rate.bytesPerSecond(2000);
        rate.onBytes(2000);
        assertEquals(SECOND / 2, rate.onBytes(1000));
    }
}
