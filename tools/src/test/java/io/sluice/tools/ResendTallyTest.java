package io.sluice.tools;

import io.sluice.tools.ResendTally.Resume;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How an identified produce run numbers its messages across reconnects, and what it counts as resent. */
final class ResendTallyTest
{
    private static void send(final ResendTally tally, final long messages)
    {
        for (long i = 0; i < messages; i++)
        {
            tally.sent();
        }
    }

    @Test
    void theFirstWelcomeSetsTheFirstIndex()
    {
        final ResendTally tally = new ResendTally();
        assertEquals(Resume.FIRST, tally.resumeAt(1_000, -1));
        assertEquals(1_000, tally.first());
        assertEquals(1_000, tally.next());
        send(tally, 5);
        assertEquals(1_005, tally.next());
        assertEquals(1_005, tally.sentUpTo());
        assertEquals(0, tally.resent());
        assertEquals(0, tally.reconnects());
    }

    @Test
    void aWelcomeBelowWhatWasSentResendsFromThereAndCountsOnlyTheResends()
    {
        final ResendTally tally = new ResendTally();
        tally.resumeAt(0, -1);
        send(tally, 100);
        // The relay took 0..59 (ACKed up to 49 by then).
        assertEquals(Resume.RESENDS, tally.resumeAt(60, 49));
        assertEquals(60, tally.next());
        send(tally, 60);
        assertEquals(120, tally.next());
        assertEquals(40, tally.resent());
        assertEquals(1, tally.reconnects());
        // The identity the summary states: sent - resent == sentUpTo - first.
        assertEquals(160 - 40, tally.sentUpTo() - tally.first());
        assertEquals(50, tally.ackedUpTo());
    }

    @Test
    void aWelcomeAtWhatWasSentContinues()
    {
        final ResendTally tally = new ResendTally();
        tally.resumeAt(7, -1);
        send(tally, 3);
        assertEquals(Resume.CONTINUES, tally.resumeAt(10, 9));
        send(tally, 1);
        assertEquals(0, tally.resent());
    }

    @Test
    void aWelcomeBelowWhatTheRelayHadAcknowledgedMeansItForgotTheProducer()
    {
        final ResendTally tally = new ResendTally();
        tally.resumeAt(0, -1);
        send(tally, 100);
        assertEquals(Resume.FORGOTTEN, tally.resumeAt(0, 79));
        assertEquals(0, tally.next());
        final String line = tally.describe(Resume.FORGOTTEN, 5);
        assertTrue(line.startsWith("warning: the relay continues producer 5 at sequence 0 but had acknowledged up "
            + "to 79"), line);
        assertTrue(line.contains("sequences 0..79 may be delivered twice"), line);
        send(tally, 100);
        assertEquals(100, tally.resent());
    }

    @Test
    void aWelcomeAboveWhatWasSentIsAnotherProcessAndNothingIsSkipped()
    {
        final ResendTally tally = new ResendTally();
        tally.resumeAt(0, -1);
        send(tally, 10);
        assertEquals(Resume.AHEAD, tally.resumeAt(20, 9));
        assertEquals(20, tally.next());
        assertTrue(tally.describe(Resume.AHEAD, 5).contains("another process published as producer 5"));
        send(tally, 1);
        assertEquals(0, tally.resent());
    }
}
