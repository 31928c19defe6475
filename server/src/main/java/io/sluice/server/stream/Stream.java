package io.sluice.server.stream;

import io.netty.channel.EventLoop;

import io.sluice.server.lane.Lane;
import io.sluice.server.lane.StuckCounters;
import io.sluice.server.config.StreamConfig;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * A named stream: its settings and its subscribers' lanes. Producers read the lanes as a copy-on-write array,
 * so forwarding takes no lock. Made and removed by {@link StreamRegistry}, which counts the connections that hold
 * it ({@link #join}, {@link #leave}) to tell when it has been idle long enough to go.
 */
public final class Stream
{
    private static final Lane[] NO_LANES = new Lane[0];

    private final String name;
    private final int id;
    private final StreamConfig config;
    private final boolean configured;
    // Connections that hold the stream, from their HELLO to their close; and since when none has.
    private final AtomicInteger users = new AtomicInteger();
    private volatile long idleSinceNanos;
    private final LongAdder messagesIn = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder messagesUnrouted = new LongAdder();
    private final LongAdder messagesGoneWithPublisher = new LongAdder();
    private final AtomicInteger publishers = new AtomicInteger();
    private final StuckCounters stuckCounters = new StuckCounters();
    private volatile Lane[] lanes = NO_LANES;
    private final SubscriptionClaims subscriptionClaims = new SubscriptionClaims();
    private final AtomicReference<EventLoop> homeLoop = new AtomicReference<>();
    private final ProducerRegistry producers;
    private final SubscriptionPositions positions;
    // Lanes of acknowledging durable subscriptions whose subscriber is away: they go on taking runs, to disk.
    private final java.util.concurrent.ConcurrentHashMap<String, Lane> detached =
        new java.util.concurrent.ConcurrentHashMap<>();

    public Stream(final String name, final int id, final StreamConfig config)
    {
        this(name, id, config, false);
    }

    /**
     * @param configured whether the config names the stream: then it is never removed.
     */
    public Stream(final String name, final int id, final StreamConfig config, final boolean configured)
    {
        this(name, id, config, configured, new SubscriptionPositions());
    }

    /**
     * @param configured whether the config names the stream: then it is never removed.
     * @param positions where its acknowledging durable subscriptions stand; outlives the stream (see
     * {@link StreamRegistry}).
     */
    public Stream(final String name, final int id, final StreamConfig config, final boolean configured,
        final SubscriptionPositions positions)
    {
        this.positions = positions;
        this.name = name;
        this.id = id;
        this.config = config;
        this.configured = configured;
        this.producers = new ProducerRegistry(name);
    }

    /** @return the stream's identified publishers: their source ids and sequences across connections. */
    public ProducerRegistry producers()
    {
        return producers;
    }

    /** @return where the stream's acknowledging durable subscriptions stand between their connections. */
    public SubscriptionPositions positions()
    {
        return positions;
    }

    public String name()
    {
        return name;
    }

    public int id()
    {
        return id;
    }

    public StreamConfig config()
    {
        return config;
    }

    public Lane[] lanes()
    {
        return lanes;
    }

    /** @return subscriptions the stream's on-stuck closed, and what their lanes released. */
    public StuckCounters stuckCounters()
    {
        return stuckCounters;
    }

    /**
     * Under stream-loop affinity, the event loop all the stream's connections run on: chosen once, by the first
     * connection that asks, from {@code choose} (the relay's loops in turn, so streams spread over them).
     *
     * @param choose picks a loop when the stream has none yet.
     * @return the stream's loop.
     */
    public EventLoop homeLoop(final Supplier<EventLoop> choose)
    {
        final EventLoop home = homeLoop.get();
        if (home != null)
        {
            return home;
        }
        homeLoop.compareAndSet(null, choose.get());
        return homeLoop.get();
    }

    /** Within the registry's lookup of the name: one more connection holds the stream. */
    void join()
    {
        users.incrementAndGet();
    }

    /** A connection that held the stream has closed. */
    void leave(final long nowNanos)
    {
        // Before the count drops: whoever sees no users sees when they left.
        idleSinceNanos = nowNanos;
        users.decrementAndGet();
    }

    /** @return whether the stream may be removed: not configured, and held by no connection for the timeout. */
    boolean isIdle(final long nowNanos, final long timeoutNanos)
    {
        return !configured && users.get() == 0 && detached.isEmpty() && nowNanos - idleSinceNanos >= timeoutNanos;
    }

    /**
     * Keeps a detached lane (see {@link Lane#detach()}) among the stream's lanes, so its producers go on offering to
     * it, until {@link #addLaneReplacingDetached} or {@link #removeDetached} takes it out.
     */
    public void keepDetached(final Lane lane)
    {
        detached.put(lane.subscription(), lane);
    }

    /** @return whether {@code lane} was detached and is now out of the stream (the caller closes it). */
    public synchronized boolean removeDetached(final Lane lane)
    {
        if (detached.remove(lane.subscription(), lane))
        {
            removeLane(lane);
            return true;
        }
        return false;
    }

    /** @return subscribers connected now: the lanes but the detached ones. */
    public int subscribers()
    {
        return Math.max(0, lanes.length - detached.size());
    }

    /** @return the stream's detached lanes now. */
    public java.util.Collection<Lane> detachedLanes()
    {
        return java.util.List.copyOf(detached.values());
    }

    /**
     * Adds a subscriber's lane; if its subscription has a detached lane, the new lane takes that one's place in one
     * step, so that every run a producer offers reaches one of the two: the detached lane's before, the new one's
     * after (the new lane's disk tier opens only once the detached one's has closed, see the disk tier's claims). A
     * run a producer holds for the detached lane goes to the new one once the detached one has closed
     * ({@link Lane#replacement()}).
     *
     * @return the detached lane it replaced, now out of the stream (the caller closes it on its event loop), or null.
     */
    public synchronized Lane addLaneReplacingDetached(final Lane lane)
    {
        final Lane replaced = lane.subscription().isEmpty() ? null : detached.remove(lane.subscription());
        if (replaced == null)
        {
            addLane(lane);
            return null;
        }
        replaced.replacedBy(lane);
        final Lane[] next = lanes.clone();
        for (int i = 0; i < next.length; i++)
        {
            if (next[i] == replaced)
            {
                next[i] = lane;
                lanes = next;
                return replaced;
            }
        }
        addLane(lane);
        return replaced;
    }

    public synchronized void addLane(final Lane lane)
    {
        final Lane[] current = lanes;
        final Lane[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = lane;
        lanes = next;
    }

    public synchronized void removeLane(final Lane lane)
    {
        final Lane[] current = lanes;
        int at = -1;
        for (int i = 0; i < current.length; i++)
        {
            if (current[i] == lane)
            {
                at = i;
                break;
            }
        }
        if (at >= 0)
        {
            final Lane[] next = new Lane[current.length - 1];
            System.arraycopy(current, 0, next, 0, at);
            System.arraycopy(current, at + 1, next, at, current.length - at - 1);
            lanes = next;
        }
    }

    /** @return which connections hold the stream's durable subscription names. */
    public SubscriptionClaims subscriptionClaims()
    {
        return subscriptionClaims;
    }

    public void publisherJoined()
    {
        publishers.incrementAndGet();
    }

    public void publisherLeft()
    {
        publishers.decrementAndGet();
    }

    int publishers()
    {
        return publishers.get();
    }

    public void onMessagesIn(final int messages, final int bytes)
    {
        messagesIn.add(messages);
        bytesIn.add(bytes);
    }

    /**
     * @param messages messages read from a publisher whose connection ended before every lane took them: never
     * acknowledged to it.
     */
    public void onPublisherGone(final long messages)
    {
        messagesGoneWithPublisher.add(messages);
    }

    /** @return messages read from publishers whose connections ended before every lane took them. */
    public long messagesGoneWithPublisher()
    {
        return messagesGoneWithPublisher.sum();
    }

    public void onUnrouted(final int messages)
    {
        messagesUnrouted.add(messages);
    }

    // Pauses in progress count too, so that a stalled stream shows as throttled while it is stalled. One lock over the
    // three values: read apart, a reader between a resume's steps saw the counter go back. Pauses change at most a few
    // thousand times a second per stream, and readers are scrapes.
    private final Object pauseLock = new Object();
    private int pausedNow;
    private long pausedSinceSum;
    private long throttledNanos;

    public void onPaused(final long sinceNanos)
    {
        synchronized (pauseLock)
        {
            pausedSinceSum += sinceNanos;
            pausedNow++;
        }
    }

    /**
     * @return the time the pause ended; read under the lock, so no reader has counted the pause as any longer.
     */
    public long onResumed(final long sinceNanos)
    {
        synchronized (pauseLock)
        {
            final long now = System.nanoTime();
            pausedNow--;
            pausedSinceSum -= sinceNanos;
            throttledNanos += now - sinceNanos;
            return now;
        }
    }

    private long throttledNanos()
    {
        synchronized (pauseLock)
        {
            return throttledNanos + Math.max(0, pausedNow * System.nanoTime() - pausedSinceSum);
        }
    }

    public StreamSnapshot snapshot()
    {
        return new StreamSnapshot(name, publishers.get(), subscribers(), messagesIn.sum(), bytesIn.sum(),
            messagesUnrouted.sum(), throttledNanos(), stuckCounters.evicted(), stuckCounters.detached(),
            stuckCounters.releasedMessages(), messagesGoneWithPublisher.sum());
    }

    public long messagesIn()
    {
        return messagesIn.sum();
    }

    long bytesIn()
    {
        return bytesIn.sum();
    }

    public long messagesUnrouted()
    {
        return messagesUnrouted.sum();
    }
}
