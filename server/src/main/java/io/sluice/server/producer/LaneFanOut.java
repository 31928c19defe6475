package io.sluice.server.producer;

import io.netty.buffer.ByteBuf;
import io.sluice.server.counters.RelayCounters;
import io.sluice.server.lane.Lane;
import io.sluice.server.stream.Stream;
import org.agrona.concurrent.NanoClock;

/**
 * The fan-out of a publisher's runs to every lane of its stream. Each lane gets a retained duplicate of the run. When
 * a lane refuses one, the run becomes <em>blocked</em>: kept here with a note of which lanes still owe it, and
 * offered to those again when they make room, while the lanes that took it go on. A run no lane took (its
 * subscribers left) counts as unrouted.
 * <p>
 * Publisher's event loop only; a lane's room callback must bring {@link #retry()} back onto it. The blame of each
 * hold (which lane holds this publisher, since when) is kept in {@link ProducerBlame}.
 */
final class LaneFanOut
{
    private final Stream stream;
    private final RelayCounters counters;
    private final ProducerBlame blame;
    private final NanoClock clock;
    private final DiskAcks diskAcks;

    private ByteBuf blockedRun;
    private int blockedMessages;
    private long blockedLastSequence;
    private Lane[] blockedLanes;
    private boolean blockedLanesOwned;
    private boolean[] blockedRefused;
    // Whether a lane has accepted the blocked run: if none does (its subscribers left), it counts as unrouted.
    private boolean blockedRouted;

    /**
     * @param diskAcks what the publisher's ACKs wait for on journaled lanes; learns of every run they accept.
     */
    LaneFanOut(final Stream stream, final RelayCounters counters, final ProducerBlame blame, final NanoClock clock,
        final DiskAcks diskAcks)
    {
        this.diskAcks = diskAcks;
        this.stream = stream;
        this.counters = counters;
        this.blame = blame;
        this.clock = clock;
    }

    /**
     * Offers a run to every lane of the stream. Takes ownership of the run.
     *
     * @return true when every lane took it (the run is released); false when a lane refused it and it is now the
     * blocked run, its bytes counted as held.
     */
    boolean deliver(final ByteBuf run, final int messages, final long lastSequence)
    {
        final Lane[] lanes = stream.lanes();
        boolean[] refused = null;
        long refusedAt = 0;
        boolean routed = false;
        for (int i = 0; i < lanes.length; i++)
        {
            final int result = offer(lanes[i], run, messages, lastSequence);
            if (result == Lane.OFFER_FULL)
            {
                if (refused == null)
                {
                    refused = new boolean[lanes.length];
                    refusedAt = clock.nanoTime(); // one instant: every lane that refuses the run holds from it
                }
                refused[i] = true;
                blame.held(lanes[i], refusedAt);
            }
            routed |= result == Lane.OFFER_ACCEPTED;
        }
        if (refused == null)
        {
            if (!routed)
            {
                // No subscriber, or only ones that left since the lanes were read.
                stream.onUnrouted(messages);
            }
            run.release();
            return true;
        }
        blockedRouted = routed;
        blockedRun = run;
        blockedMessages = messages;
        blockedLastSequence = lastSequence;
        blockedLanes = lanes;
        blockedLanesOwned = false;
        blockedRefused = refused;
        counters.onHeldBytes(run.readableBytes());
        return false;
    }

    /** @return whether a run waits for a lane to make room. */
    boolean isBlocked()
    {
        return blockedRun != null;
    }

    /** @return the last sequence of the blocked run, or of the one {@link #retry()} just completed. */
    long blockedLastSequence()
    {
        return blockedLastSequence;
    }

    /**
     * Registers {@code wake} with every lane that still owes the blocked run, then offers it to each once more: a lane
     * that drained in between would otherwise never call.
     *
     * @return true when no lane owes the run any more (the caller then runs {@link #retry()} to complete it).
     */
    boolean awaitRoom(final Runnable wake)
    {
        boolean done = true;
        for (int i = 0; i < blockedLanes.length; i++)
        {
            if (blockedRefused[i])
            {
                boolean owed;
                Lane lane;
                do
                {
                    // Again on the lane that took a closed one's place, if the offer moved there.
                    lane = blockedLanes[i];
                    lane.awaitRoom(wake);
                    owed = !offerBlocked(i);
                }
                while (owed && blockedLanes[i] != lane);
                if (owed)
                {
                    done = false;
                }
                else
                {
                    blockedRefused[i] = false;
                }
            }
        }
        return done;
    }

    /**
     * Offers the blocked run again to the lanes that still owe it.
     *
     * @return true when every lane has it now: the run is released and no longer blocked; false when a lane still
     * refuses it (the caller then waits with {@link #awaitRoom(Runnable)}).
     */
    boolean retry()
    {
        boolean done = true;
        for (int i = 0; i < blockedLanes.length; i++)
        {
            if (blockedRefused[i])
            {
                if (offerBlocked(i))
                {
                    blockedRefused[i] = false;
                }
                else
                {
                    done = false;
                }
            }
        }
        if (!done)
        {
            return false;
        }
        if (!blockedRouted)
        {
            stream.onUnrouted(blockedMessages);
        }
        releaseBlocked();
        return true;
    }

    /**
     * The connection is gone: releases the blocked run, if any.
     *
     * @return its messages, which the lanes that refused it never got; 0 without a blocked run.
     */
    long discardBlocked()
    {
        final long messages = blockedRun == null ? 0 : blockedMessages;
        releaseBlocked();
        return messages;
    }

    /** Releases the blocked run, if any: delivered, or the connection is gone. */
    void releaseBlocked()
    {
        if (blockedRun != null)
        {
            counters.onHeldBytes(-blockedRun.readableBytes());
            blockedRun.release();
            blockedRun = null;
            blockedLanes = null;
            blockedRefused = null;
        }
    }

    // Offers the blocked run to the lane at `i` that refused it; returns whether no lane owes it there any more. A
    // detached lane that closed once its subscription's next connection took its place passes what it owed to that
    // lane (Stream.addLaneReplacingDetached): a run held for it must not be lost between the two.
    private boolean offerBlocked(final int i)
    {
        Lane lane = blockedLanes[i];
        int result = offer(lane, blockedRun, blockedMessages, blockedLastSequence);
        while (result == Lane.OFFER_CLOSED && lane.replacement() != null)
        {
            final long now = clock.nanoTime();
            blame.released(lane, now);
            lane = lane.replacement();
            ownBlockedLanes()[i] = lane;
            result = offer(lane, blockedRun, blockedMessages, blockedLastSequence);
            if (result == Lane.OFFER_FULL)
            {
                blame.held(lane, now);
            }
        }
        blockedRouted |= result == Lane.OFFER_ACCEPTED;
        if (result != Lane.OFFER_FULL)
        {
            blame.released(lane, clock.nanoTime());
            return true;
        }
        return false;
    }

    // The stream's array of lanes is shared: the blocked run's own copy before one of them is replaced in it.
    private Lane[] ownBlockedLanes()
    {
        if (!blockedLanesOwned)
        {
            blockedLanes = blockedLanes.clone();
            blockedLanesOwned = true;
        }
        return blockedLanes;
    }

    private int offer(final Lane lane, final ByteBuf run, final int messages, final long lastSequence)
    {
        diskAcks.beforeOffer(lane);
        final ByteBuf copy = run.retainedDuplicate();
        final int result = lane.offer(copy, messages);
        if (result == Lane.OFFER_FULL)
        {
            copy.release();
        }
        else if (result == Lane.OFFER_ACCEPTED)
        {
            diskAcks.accepted(lane, lastSequence);
        }
        return result;
    }
}
