package io.sluice.tools;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Progress lines on a hand-advanced clock: none before the first is due, then one a second with per-second rates. */
final class ProduceProgressTest
{
    private static final long SECOND = 1_000_000_000L;

    @Test
    void printsOnceDueThenOnceASecond()
    {
        final StringWriter text = new StringWriter();
        final ProduceProgress progress = new ProduceProgress(new PrintWriter(text), 10 * SECOND, SECOND);

        progress.onTick(10 * SECOND + SECOND / 2, 50, 0);
        assertEquals("", text.toString());

        progress.onTick(11 * SECOND, 1_000, 20);
        progress.onTick(11 * SECOND + SECOND / 2, 1_500, 20);
        progress.onTick(13 * SECOND, 5_000, 20);

        assertEquals(String.format(
            "produce:     1s  sent        1,000/s  back-pressured           20/s  total 1,000%n"
                + "produce:     3s  sent        2,000/s  back-pressured            0/s  total 5,000%n"),
            text.toString());
    }
}
