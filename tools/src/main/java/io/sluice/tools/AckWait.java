package io.sluice.tools;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * After the send loop: everything offered should reach the relay before the summary claims it was sent, so wait
 * for the relay's cumulative ACK of the last sequence (sequences start at 0 on each connection). A slow consumer can
 * make that take a while, so wait as long as ACKs keep advancing. The thread runs the outlet's duty cycle while it
 * waits: a publication it writes itself reads the ACKs (and writes what is left) only then.
 */
final class AckWait
{
    // Give up waiting for the relay's ACKs after this long without any progress.
    private static final long ACK_STALL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private AckWait()
    {
    }

    /**
     * @param outlet the publication the run sent on.
     * @param lastSequence the sequence of the last message sent, -1 for none.
     * @return null once it is acknowledged, else why it never will be.
     */
    static String awaitAcks(final Outlet outlet, final long lastSequence)
    {
        long acked = outlet.ackedSequence();
        long progressAt = System.nanoTime();
        while (acked < lastSequence)
        {
            if (!outlet.isConnected())
            {
                return describeLoss(outlet);
            }
            LockSupport.parkNanos(1_000_000);
            outlet.doWork();
            final long now = System.nanoTime();
            final long a = outlet.ackedSequence();
            if (a != acked)
            {
                acked = a;
                progressAt = now;
            }
            else if (now - progressAt > ACK_STALL_NANOS)
            {
                return "the relay acknowledged only up to sequence " + acked + " of " + lastSequence +
                    " and stopped acknowledging";
            }
        }
        return null;
    }

    static String describeLoss(final Outlet outlet)
    {
        final String reason = outlet.closeReason();
        return "connection lost: " + (reason != null ? reason : "closed");
    }
}
