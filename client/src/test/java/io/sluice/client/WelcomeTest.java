package io.sluice.client;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The heartbeat settings a client keeps once welcomed: the relay's interval, and its own timeout for the relay's
 * silence unless that would time out a relay sending at its interval.
 */
class WelcomeTest
{
    private static Welcome announcing(final int intervalMs, final int timeoutMs)
    {
        return new Welcome(1, 0, intervalMs, timeoutMs, 1024, 0, false, 0, 0, 0);
    }

    @Test
    void theRelaysIntervalIsTheOneToSendAt()
    {
        assertEquals(100, announcing(100, 1_000).sendIntervalMs(5_000));
        assertEquals(3_000, announcing(3_000, 10_000).sendIntervalMs(1_000));
        // A WELCOME that announces none leaves the client's own.
        assertEquals(1_000, announcing(0, 0).sendIntervalMs(1_000));
    }

    @Test
    void theClientsOwnTimeoutHoldsUnlessARelaySendingAtItsIntervalWouldOutlastIt()
    {
        assertEquals(10_000, announcing(100, 1_000).silenceTimeoutMs(10_000, 1_000));
        assertEquals(500, announcing(100, 1_000).silenceTimeoutMs(500, 1_000));
        // The relay sends every 3 s: a client timeout of 2 s would close a healthy connection; the relay's holds.
        assertEquals(9_000, announcing(3_000, 9_000).silenceTimeoutMs(2_000, 1_000));
        assertEquals(6_000, announcing(3_000, 0).silenceTimeoutMs(2_000, 1_000));
    }
}
