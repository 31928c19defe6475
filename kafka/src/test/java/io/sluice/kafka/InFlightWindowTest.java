package io.sluice.kafka;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The sink's window of records sent and not yet settled, driven directly: settles in the order taken whatever order
 * Kafka confirms in, bounds what is in flight, and tells a send that failed at once from a completion.
 */
class InFlightWindowTest
{
    @Test
    void settlesInTheOrderTakenAndBoundsWhatIsInFlight()
    {
        final InFlightWindow window = new InFlightWindow(4);
        final Delivery[] d = new Delivery[4];
        for (int i = 0; i < 4; i++)
        {
            d[i] = window.claim(10 * (i + 1));
        }
        assertEquals(0, window.room());
        assertEquals(100, window.inFlightBytes());
        assertThrows(IllegalStateException.class, () -> window.claim(1));

        d[1].onCompletion(null, null);
        d[2].onCompletion(null, new RuntimeException("refused"));
        assertNull(window.settledHead(), "the oldest is not confirmed yet");
        d[0].onCompletion(null, null);
        assertSame(d[0], window.settledHead());
        window.retire();
        assertSame(d[1], window.settledHead());
        window.retire();
        assertEquals("refused", window.settledHead().error().getMessage());
        window.retire();
        assertNull(window.settledHead());
        assertEquals(3, window.settledPosition());
        assertEquals(1, window.inFlight());
        assertEquals(40, window.inFlightBytes());
        assertEquals(3, window.room());
        assertEquals(4, window.claim(1).position());
    }

    @Test
    void aCompletionDuringSendOnTheSendingThreadIsAnImmediateFailure()
    {
        final Delivery d = new InFlightWindow(2).claim(1);
        d.sending(Thread.currentThread());
        d.onCompletion(null, new IllegalArgumentException("too large"));
        assertEquals("too large", d.sent().getMessage());
        assertEquals(false, d.isDone(), "the sink decides: retry, or settle as failed");
    }
}
