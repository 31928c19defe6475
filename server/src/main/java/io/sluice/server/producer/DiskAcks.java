package io.sluice.server.producer;

import io.sluice.server.lane.Lane;
import io.sluice.server.tier.disk.AppendWatch;

import java.util.Arrays;

/**
 * What a publisher's ACK may cover when its stream has journaled lanes (acknowledging durable subscriptions that keep
 * every frame on disk until acknowledged): only what every such lane has on disk, so an ACK survives a relay crash
 * (protocol.md §4.3). One {@link AppendWatch} per journaled lane the publisher has offered to; a lane that finished
 * is forgotten. Without journaled lanes nothing is held back and nothing is allocated.
 * <p>
 * Publisher's event loop only.
 */
final class DiskAcks
{
    private final int sourceId;
    private final Runnable wake;
    private Lane[] lanes = new Lane[0];
    private AppendWatch[] watches = new AppendWatch[0];
    private int size;

    /**
     * @param sourceId the publisher's source id, which the spill thread reads from its frames.
     * @param wake     brings the publisher's ACK check back onto its event loop once a lane has appended.
     */
    DiskAcks(final int sourceId, final Runnable wake)
    {
        this.sourceId = sourceId;
        this.wake = wake;
    }

    /** Before a run is offered to {@code lane}: a journaled lane learns to tell this publisher what is on disk. */
    void beforeOffer(final Lane lane)
    {
        if (lane.isJournaled() && indexOf(lane) < 0)
        {
            if (size == lanes.length)
            {
                lanes = Arrays.copyOf(lanes, Math.max(2, size * 2));
                watches = Arrays.copyOf(watches, lanes.length);
            }
            final AppendWatch watch = new AppendWatch(wake);
            lanes[size] = lane;
            watches[size] = watch;
            size++;
            lane.watch(sourceId, watch);
        }
    }

    /** {@code lane} accepted the publisher's frames up to {@code lastSequence}. */
    void accepted(final Lane lane, final long lastSequence)
    {
        if (size > 0)
        {
            final int at = indexOf(lane);
            if (at >= 0)
            {
                watches[at].offered(lastSequence);
            }
        }
    }

    /**
     * @return how far the publisher may be ACKed, given every lane accepted up to {@code accepted}; when a journaled
     * lane is behind, the publisher is woken once it has appended.
     */
    long ackableThrough(final long accepted)
    {
        long ackable = accepted;
        for (int i = size - 1; i >= 0; i--)
        {
            if (watches[i].isFinished())
            {
                remove(i);
            }
            else
            {
                ackable = Math.min(ackable, watches[i].ackableThrough(accepted));
            }
        }
        return ackable;
    }

    /** The connection ends: the lanes stop watching for it. */
    void releaseAll()
    {
        for (int i = 0; i < size; i++)
        {
            lanes[i].unwatch(sourceId, watches[i]);
            lanes[i] = null;
            watches[i] = null;
        }
        size = 0;
    }

    private int indexOf(final Lane lane)
    {
        for (int i = 0; i < size; i++)
        {
            if (lanes[i] == lane)
            {
                return i;
            }
        }
        return -1;
    }

    private void remove(final int i)
    {
        size--;
        lanes[i] = lanes[size];
        watches[i] = watches[size];
        lanes[size] = null;
        watches[size] = null;
    }
}
