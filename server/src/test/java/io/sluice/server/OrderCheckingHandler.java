package io.sluice.server;

import io.sluice.client.MessageHandler;
import io.sluice.core.protocol.Header;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * Counts what a subscriber receives and checks, per source, that sequences arrive exactly once and in order, and
 * that each payload carries its own sequence in its first eight bytes (so content is checked, not only headers).
 */
public final class OrderCheckingHandler implements MessageHandler
{
    private final Int2ObjectHashMap<long[]> nextBySource = new Int2ObjectHashMap<>();
    public long received;
    long outOfOrder;
    long duplicates;
    long badPayloads;
    long gaps;
    long gapMessages;
    String firstSkip = "";

    @Override
    public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        received++;
        final long[] next = nextBySource.computeIfAbsent(header.sourceId(), k -> new long[1]);
        final long sequence = header.sequence();
        if (sequence < next[0])
        {
            duplicates++;
        }
        else if (sequence > next[0])
        {
            if (outOfOrder++ == 0)
            {
                firstSkip = "source " + header.sourceId() + " expected " + next[0] + " got " + sequence + " after " +
                    received + " messages";
            }
            next[0] = sequence + 1;
        }
        else
        {
            next[0]++;
        }
        if (length >= 8 && buffer.getLong(offset) != sequence)
        {
            badPayloads++;
        }
    }

    @Override
    public void onGap(final Header header)
    {
        gaps++;
        gapMessages += header.gapDroppedCount();
    }

    /** @return the highest sequence seen from any source, or -1. */
    long lastSequence()
    {
        long last = -1;
        for (final long[] next : nextBySource.values())
        {
            last = Math.max(last, next[0] - 1);
        }
        return last;
    }

    boolean clean()
    {
        return outOfOrder == 0 && duplicates == 0 && badPayloads == 0;
    }

    @Override
    public String toString()
    {
        return "received=" + received + " outOfOrder=" + outOfOrder + " duplicates=" + duplicates +
            " badPayloads=" + badPayloads + " gaps=" + gaps + (firstSkip.isEmpty() ? "" : " first skip: " + firstSkip);
    }
}
