package io.sluice.tools;

import io.sluice.client.MessageHandler;
import io.sluice.core.protocol.Header;
import io.sluice.core.util.EpochClock;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * What {@code consume} checks and measures of each delivery, up to a count: per-source ordering (out-of-order and
 * duplicate sequences), GAP notices, latency, and with acknowledged delivery the positions to acknowledge. Runs on
 * the polling thread, or on the event loop of a callback subscription, and publishes its counts to the command's
 * thread at the end of each batch; allocates only when a new source appears.
 */
final class Checker implements MessageHandler
{
    private final long limit;
    volatile long receivedSeen;
    volatile long outOfOrderSeen;
    volatile long gapsSeen;
    volatile long lastPositionSeen;
    final Int2ObjectHashMap<Source> sources = new Int2ObjectHashMap<>();
    // Microseconds, 3 significant digits; resizes itself, so no latency is too large to record.
    final Histogram latencyMicros = new Histogram(3);
    long received;
    long outOfOrder;
    long duplicates;
    long gaps;
    long gapMessages;
    long firstDeliveryNanos;
    long lastDeliveryNanos;
    // Acknowledged delivery: frames flagged redelivered, and the positions of the first and last frame counted.
    long redelivered;
    long firstPosition;
    long lastPosition;
    private int lastSourceId;
    private Source lastSource;

    /**
     * A checker without a limit.
     */
    Checker()
    {
        this(Long.MAX_VALUE);
    }

    /**
     * @param limit messages to take at most; those delivered after it (a callback subscription's handler gets what
     *              the read brought) are not counted.
     */
    Checker(final long limit)
    {
        this.limit = limit;
    }

    /**
     * @return messages received, as of the last batch end; for another thread.
     */
    long seen()
    {
        return receivedSeen;
    }

    @Override
    public void onBatchEnd()
    {
        outOfOrderSeen = outOfOrder;
        gapsSeen = gaps;
        lastPositionSeen = lastPosition;
        receivedSeen = received;
    }

    @Override
    public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (received >= limit)
        {
            return;
        }
        final long now = EpochClock.nanos();
        if (received == 0)
        {
            firstDeliveryNanos = now;
        }
        lastDeliveryNanos = now;
        received++;
        counted(header);
        // Clocks of two processes can disagree by a little: a negative latency is measurement noise, not news.
        latencyMicros.recordValue(Math.max(0, now - header.timestampNanos()) / 1_000);

        final Source source = source(header.sourceId());
        final long sequence = header.sequence();
        if (source.expected < 0 || sequence == source.expected)
        {
            source.expected = sequence + 1;
        }
        else if (sequence > source.expected)
        {
            // Messages went missing without a GAP notice: count once and resync, so one hole is one error.
            outOfOrder++;
            source.expected = sequence + 1;
        }
        else
        {
            duplicates++;
        }
    }

    @Override
    public void onGap(final Header header)
    {
        if (received < limit)
        {
            counted(header);
        }
        gaps++;
        gapMessages += header.gapDroppedCount();
        // A reported drop is not a hole: the next message of the source may legitimately follow the range.
        final Source source = source(header.sourceId());
        final long next = header.gapToSequence() + 1;
        if (next > source.expected)
        {
            source.expected = next;
        }
    }

    // A frame counted: its position (0 without acknowledged delivery) becomes the last to acknowledge.
    private void counted(final Header header)
    {
        final long position = header.position();
        if (position != 0)
        {
            if (firstPosition == 0)
            {
                firstPosition = position;
            }
            lastPosition = position;
        }
        if (header.isRedelivered())
        {
            redelivered++;
        }
    }

    private Source source(final int sourceId)
    {
        if (lastSource != null && lastSourceId == sourceId)
        {
            return lastSource;
        }
        Source source = sources.get(sourceId);
        if (source == null)
        {
            source = new Source();
            sources.put(sourceId, source);
        }
        lastSourceId = sourceId;
        lastSource = source;
        return source;
    }

    /** Per-source ordering state: the sequence expected next, or -1 before the source's first message. */
    static final class Source
    {
        long expected = -1;
    }
}
