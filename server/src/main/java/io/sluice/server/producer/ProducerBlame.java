package io.sluice.server.producer;

import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import io.sluice.server.lane.Lane;
import org.agrona.concurrent.NanoClock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which lanes hold one publisher connection paused, and for how long: the blame for a throttled producer. A lane holds
 * the publisher from the moment it refuses the publisher's run until it takes it; two lanes that refuse the same run
 * both hold the publisher, each for its own time. Each hold is also counted on the lane ({@link Lane#holds()}), the
 * reverse view: how long a lane held producers.
 * <p>
 * The publisher's event loop records holds; nothing else touches the fields. {@link #measure()} runs on that loop
 * (see {@code RelayMetrics.measure}) and publishes a {@link ProducerSnapshot} that any thread reads. Recording
 * allocates nothing, except to grow the table when a lane holds this publisher for the first time.
 */
public final class ProducerBlame
{
    private final String stream;
    private final int sourceId;
    private final NanoClock clock;
    private String address = "";
    private EventExecutor executor;

    // The publisher's event loop: one slot per lane that has held the publisher.
    private Lane[] lanes = new Lane[2];
    private long[] heldNanos = new long[2];
    private long[] sinceNanos = new long[2];
    private boolean[] holding = new boolean[2];
    private int slots;
    private int holdingNow;
    private long pausedSinceNanos;
    private long pausedNanos;
    private long goneSubscribersNanos;

    private volatile ProducerSnapshot published;

    ProducerBlame(final String stream, final int sourceId, final NanoClock clock)
    {
        this.stream = stream;
        this.clock = clock;
        this.sourceId = sourceId;
    }

    /** Publisher's event loop, once its handler is in the pipeline. */
    void attach(final Channel channel, final EventExecutor loop)
    {
        this.address = String.valueOf(channel.remoteAddress());
        this.executor = loop;
    }

    /** Publisher's event loop: {@code lane} refused the publisher's run. */
    void held(final Lane lane, final long nowNanos)
    {
        final int slot = slotOf(lane, true);
        if (holding[slot])
        {
            return;
        }
        holding[slot] = true;
        sinceNanos[slot] = nowNanos;
        lane.holds().start(nowNanos);
        if (holdingNow++ == 0)
        {
            pausedSinceNanos = nowNanos;
        }
    }

    /** Publisher's event loop: {@code lane} took the run it had refused (or the publisher is going). */
    void released(final Lane lane, final long nowNanos)
    {
        final int slot = slotOf(lane, false);
        if (slot < 0 || !holding[slot])
        {
            return;
        }
        holding[slot] = false;
        heldNanos[slot] += nowNanos - sinceNanos[slot];
        lane.holds().end(sinceNanos[slot], nowNanos);
        if (--holdingNow == 0)
        {
            pausedNanos += nowNanos - pausedSinceNanos;
        }
    }

    /** Publisher's event loop: the publisher is going; every hold ends. */
    void releaseAll(final long nowNanos)
    {
        for (int i = 0; i < slots; i++)
        {
            released(lanes[i], nowNanos);
        }
    }

    /** @return the executor {@link #measure()} must run on, or null before {@link #attach}. */
    public EventExecutor executor()
    {
        return executor;
    }

    /**
     * Publisher's event loop: publishes what it knows now for {@link #snapshot()}, and folds lanes whose subscriber
     * has gone into one sum so that the table does not grow with every subscriber that ever came and went.
     */
    public void measure()
    {
        final long now = clock.nanoTime();
        final List<ProducerSnapshot.Holder> holders = new ArrayList<>(slots);
        int kept = 0;
        for (int i = 0; i < slots; i++)
        {
            final Lane lane = lanes[i];
            final long held = heldNanos[i] + (holding[i] ? now - sinceNanos[i] : 0);
            if (lane.isClosed() && !holding[i])
            {
                goneSubscribersNanos += heldNanos[i];
                continue;
            }
            holders.add(new ProducerSnapshot.Holder(String.valueOf(lane.channel().remoteAddress()),
                lane.subscription(), held, holding[i]));
            lanes[kept] = lane;
            heldNanos[kept] = heldNanos[i];
            sinceNanos[kept] = sinceNanos[i];
            holding[kept] = holding[i];
            kept++;
        }
        Arrays.fill(lanes, kept, slots, null);
        slots = kept;
        published = new ProducerSnapshot(stream, address, sourceId, holdingNow > 0,
            pausedNanos + (holdingNow > 0 ? now - pausedSinceNanos : 0), List.copyOf(holders), goneSubscribersNanos,
            now);
    }

    /** @return what {@link #measure()} last published, or one with nothing measured yet; any thread. */
    public ProducerSnapshot snapshot()
    {
        final ProducerSnapshot last = published;
        return last != null ? last : new ProducerSnapshot(stream, address, sourceId, false, 0, List.of(), 0, 0);
    }

    private int slotOf(final Lane lane, final boolean add)
    {
        for (int i = 0; i < slots; i++)
        {
            if (lanes[i] == lane)
            {
                return i;
            }
        }
        if (!add)
        {
            return -1;
        }
        if (slots == lanes.length)
        {
            final int size = slots * 2;
            lanes = Arrays.copyOf(lanes, size);
            heldNanos = Arrays.copyOf(heldNanos, size);
            sinceNanos = Arrays.copyOf(sinceNanos, size);
            holding = Arrays.copyOf(holding, size);
        }
        lanes[slots] = lane;
        heldNanos[slots] = 0;
        holding[slots] = false;
        return slots++;
    }
}
