package io.sluice.server;

import io.sluice.client.MessageHandler;
import io.sluice.core.protocol.Header;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Checks each message as it arrives: one source, sequences dense from 0, and the payload's first 8 bytes (big-endian)
 * the same number as the sequence, as an identified publisher that numbers its messages by sequence sends them. The
 * first fault is kept; a GAP is one.
 */
final class OneSourceCollector implements MessageHandler
{
    private int source = -1;
    /** The sequence the next message must have: after the last, the number received in order. */
    volatile long expected;
    volatile long received;
    /** The first fault, or null. */
    volatile String fault;

    @Override
    public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (source == -1)
        {
            source = header.sourceId();
        }
        final long sequence = header.sequence();
        final long index = buffer.getLong(offset, ByteOrder.BIG_ENDIAN);
        if (fault == null && (header.sourceId() != source || sequence != expected || index != sequence))
        {
            fault = "message " + received + ": source " + header.sourceId() + " (first " + source + "), sequence "
                + sequence + " (expected " + expected + "), index " + index;
        }
        expected = sequence + 1;
        received = received + 1;
    }

    @Override
    public void onGap(final Header header)
    {
        fault = "a GAP of source " + header.sourceId() + ": " + header.gapFromSequence() + ".." +
            header.gapToSequence();
    }
}
