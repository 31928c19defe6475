package io.sluice.server.tier.memory;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import static io.sluice.server.tier.memory.RingRecords.MSG_FIRST;
import static io.sluice.server.tier.memory.RingRecords.MSG_GAP;
import static io.sluice.server.tier.memory.RingRecords.MSG_MORE;
import static io.sluice.server.tier.memory.RingRecords.TOMBSTONE;

/**
 * Drop-oldest for a memory tier: reads past the oldest waiting message (all its fragments), and the tombstones and
 * GAP records before it, telling a {@link TierGate} of each so that their drops are still reported. Never evicts the
 * rest of a frame whose first fragment was already written to the subscriber: that must go out whole.
 * Event loop only; one instance per ring, reused.
 */
final class RingEvictor implements ControlledMessageHandler
{
    private final RingBuffer ring;
    private final RingCounts counts;
    private int length;
    private boolean started;
    private boolean stopped;
    private TierGate gate;

    /**
     * @param ring the ring to evict from.
     * @param counts counts the evicted message, and the tombstones and GAP records passed.
     */
    RingEvictor(final RingBuffer ring, final RingCounts counts)
    {
        this.ring = ring;
        this.counts = counts;
    }

    /**
     * Drops the oldest message (all its fragments), and any tombstones and GAP frames before it, telling {@code gate}
     * (may be null) of each.
     *
     * @return the dropped message's length, or 0 when no message waits.
     */
    int evictOldest(final TierGate gate)
    {
        length = 0;
        started = false;
        stopped = false;
        this.gate = gate;
        // A read stops at the end of the buffer: go on until the frame's last fragment, even past the wrap.
        int read;
        do
        {
            read = ring.controlledRead(this);
        }
        while (!stopped && read > 0);
        this.gate = null;
        if (length > 0)
        {
            counts.onRemoved();
        }
        return length;
    }

    @Override
    public Action onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final Action action = decide(msgTypeId, buffer, index, length);
        stopped = action == Action.ABORT;
        return action;
    }

    private Action decide(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (msgTypeId == TOMBSTONE || msgTypeId == MSG_GAP)
        {
            if (started)
            {
                return Action.ABORT;
            }
            counts.removeJunk(RingRecords.recordBytes(length));
            if (gate != null)
            {
                if (msgTypeId == MSG_GAP)
                {
                    gate.onGapEvicted(buffer, index);
                }
                else
                {
                    gate.onTombstonePassed(buffer, index);
                }
            }
            return Action.CONTINUE;
        }
        if (msgTypeId == MSG_MORE && !started)
        {
            // The rest of a frame already partly written to the subscriber: it must go out whole.
            return Action.ABORT;
        }
        if (msgTypeId == MSG_FIRST)
        {
            if (started)
            {
                return Action.ABORT;
            }
            started = true;
            if (gate != null)
            {
                gate.onEvicted(buffer, index);
            }
        }
        this.length += length;
        return Action.CONTINUE;
    }
}
