package io.sluice.tools;

import io.sluice.core.protocol.ErrorCode;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What produce --reconnect waits between tries, which refusals it retries, and which losses end the run. */
final class ReconnectorTest
{
    @Test
    void theWaitDoublesUpToOneSecond()
    {
        long delay = Reconnector.FIRST_DELAY_NANOS;
        assertEquals(TimeUnit.MILLISECONDS.toNanos(10), delay);
        for (int i = 0; i < 6; i++)
        {
            delay = Reconnector.nextDelayNanos(delay);
        }
        assertEquals(TimeUnit.MILLISECONDS.toNanos(640), delay);
        delay = Reconnector.nextDelayNanos(delay);
        assertEquals(TimeUnit.SECONDS.toNanos(1), delay);
        assertEquals(TimeUnit.SECONDS.toNanos(1), Reconnector.nextDelayNanos(delay));
    }

    @Test
    void noRelayAFencedEpochAndAFullOrClosingRelayAreRetriedOtherRefusalsAreNot()
    {
        assertTrue(Reconnector.retryable(null));
        assertTrue(Reconnector.retryable(ErrorCode.PRODUCER_FENCED));
        assertTrue(Reconnector.retryable(ErrorCode.SHUTTING_DOWN));
        assertTrue(Reconnector.retryable(ErrorCode.TOO_MANY_CONNECTIONS));
        assertFalse(Reconnector.retryable(ErrorCode.AUTH_FAILED));
        assertFalse(Reconnector.retryable(ErrorCode.PERMISSION_DENIED));
        assertFalse(Reconnector.retryable(ErrorCode.BAD_SEQUENCE));
    }

    @Test
    void aTakeoverByAHigherEpochEndsTheRunADroppedConnectionDoesNot()
    {
        assertTrue(Reconnector.takenOver("relay error PRODUCER_FENCED: producer 5 of stream 's' was taken over by "
            + "epoch 2"));
        assertFalse(Reconnector.takenOver("connection closed"));
        assertFalse(Reconnector.takenOver("relay closed the connection"));
        assertFalse(Reconnector.takenOver(null));
    }
}
