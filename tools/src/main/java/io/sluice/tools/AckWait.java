package io.sluice.tools;

import io.sluice.client.PublicationEndpoint;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * After the send loop: everything offered should reach the relay before the summary claims it was sent, so wait
 * for the relay's cumulative ACK of the last sequence (sequences start at 0 on each connection). A slow consumer can
 * make that take a while, so wait as long as ACKs keep advancing.
 */
final class AckWait
{
    // Give up waiting for the relay's ACKs after this long without any progress.
    private static final long ACK_STALL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private AckWait()
    {
    }

    /**
     * @param publication the publication the run sent on.
     * @param lastSequence the sequence of the last message sent, -1 for none.
     * @return null once it is acknowledged, else why it never will be.
     */
    static String awaitAcks(final PublicationEndpoint publication, final long lastSequence)
    {
        long acked = publication.ackedSequence();
        long progressAt = System.nanoTime();
        while (acked < lastSequence)
        {
            if (!publication.isConnected())
            {
                return describeLoss(publication);
            }
            LockSupport.parkNanos(1_000_000);
            final long now = System.nanoTime();
            final long a = publication.ackedSequence();
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

    static String describeLoss(final PublicationEndpoint publication)
    {
        final String reason = publication.closeReason();
        return "connection lost: " + (reason != null ? reason : "closed");
    }
}
