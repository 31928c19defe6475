package io.sluice.server.lane;

import io.sluice.server.config.OnStuck;
import io.sluice.server.config.StuckPolicy;
import io.sluice.server.lane.StuckWatch.Change;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Watches one lane for a subscriber that stopped taking bytes and applies the stream's {@code on-stuck} to it. Under
 * throttle such a subscriber would hold every producer of its stream for as long as its connection lives.
 * <p>
 * Runs on the lane's own event loop at a coarse interval ({@link #intervalNanos}): reads what the lane has written
 * and what its outbound buffer still holds, and feeds {@link StuckWatch}; nothing per message. One log line when the
 * lane becomes stuck and one when it recovers, never one per check. When it acts, {@code evict} closes the lane
 * (releasing and counting what a non-durable one held) and {@code detach} hands a durable lane's memory and unsent
 * frames over to its disk tier; either way its producers resume at once, and {@code closer} sends the subscriber
 * ERROR {@code SLOW_CONSUMER} and closes its connection.
 */
public final class StuckGuard implements Runnable
{
    /** Checks run at least this far apart. */
    static final long MIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final Logger LOG = LoggerFactory.getLogger(StuckGuard.class);

    private final Lane lane;
    private final String streamName;
    private final StuckPolicy policy;
    private final StuckCounters counters;
    private final Consumer<String> closer;
    private final LongSupplier clock;
    private final StuckWatch watch;
    private ScheduledFuture<?> schedule;
    private boolean acted;

    /**
     * @param closer sends ERROR SLOW_CONSUMER with the given text and closes the subscriber's connection.
     * @param clock a monotonic clock in nanoseconds ({@link System#nanoTime} but in tests).
     */
    public StuckGuard(final Lane lane, final String streamName, final StuckPolicy policy, final StuckCounters counters,
        final Consumer<String> closer, final LongSupplier clock)
    {
        this.lane = lane;
        this.streamName = streamName;
        this.policy = policy;
        this.counters = counters;
        this.closer = closer;
        this.clock = clock;
        this.watch = new StuckWatch(TimeUnit.MILLISECONDS.toNanos(policy.stuckAfterMs()));
    }

    /** @return a quarter of stuck-after, at least 100 ms: late by at most that, at a cost nobody sees. */
    public static long intervalNanos(final StuckPolicy policy)
    {
        return Math.max(MIN_INTERVAL_NANOS, TimeUnit.MILLISECONDS.toNanos(policy.stuckAfterMs()) / 4);
    }

    /** Lane's event loop: checks at {@link #intervalNanos} until {@link #stop}. */
    public void start()
    {
        final long interval = intervalNanos(policy);
        schedule = lane.eventLoop().scheduleAtFixedRate(this, interval, interval, TimeUnit.NANOSECONDS);
    }

    /** Lane's event loop: no more checks. */
    public void stop()
    {
        if (schedule != null)
        {
            schedule.cancel(false);
            schedule = null;
        }
    }

    @Override
    public void run()
    {
        check();
    }

    /** Lane's event loop: one check, at the clock's time now. */
    public void check()
    {
        if (acted || lane.isClosed() || lane.isHandedOver())
        {
            return;
        }
        final long now = clock.getAsLong();
        final AckWindow acks = lane.acks();
        final Change change;
        if (acks != null)
        {
            // A subscriber that acknowledges shows its progress by its ACKs: its socket may take bytes its
            // application never processes.
            change = watch.check(now, acks.acked(), acks.unackedMessages() > 0);
        }
        else
        {
            final long unsent = UnsentBytes.of(lane.channel());
            change = watch.check(now, lane.takenBytes(unsent), unsent > 0);
        }
        switch (change)
        {
            case STUCK:
                becameStuck(now);
                break;
            case RECOVERED:
                lane.markStuck(false);
                LOG.info("subscriber {} of stream '{}'{} {} again: no longer stuck", lane.channel().remoteAddress(),
                    streamName, subscriptionText(), acks == null ? "takes bytes" : "acknowledges");
                break;
            default:
                break;
        }
    }

    private void becameStuck(final long now)
    {
        lane.markStuck(true);
        final long idleMs = TimeUnit.NANOSECONDS.toMillis(watch.idleNanos(now));
        final OnStuck action = policy.onStuck();
        LOG.warn("subscriber {} of stream '{}'{} stuck: {} for {} ms (on-stuck {})", lane.channel().remoteAddress(),
            streamName, subscriptionText(), lane.acks() == null ? "took no byte of the frames waiting for it" :
            "acknowledged none of the " + lane.acks().unackedMessages() + " frames sent to it", idleMs,
            action.configName());
        if (action == OnStuck.WAIT)
        {
            return;
        }
        acted = true;
        stop();
        final String how;
        if (action == OnStuck.DETACH && lane.detach())
        {
            counters.countDetach();
            how = "detach";
            LOG.warn("subscriber {} of stream '{}'{} detached: its backlog waits on disk for its return",
                lane.channel().remoteAddress(), streamName, subscriptionText());
        }
        else
        {
            final long released = lane.evict();
            counters.countEviction(released);
            how = "evict";
            LOG.warn("subscriber {} of stream '{}'{} evicted: {} messages its lane held are released",
                lane.channel().remoteAddress(), streamName, subscriptionText(), released);
        }
        closer.accept("stream '" + streamName + "': no progress for " + idleMs + " ms (on-stuck " + how + ")");
    }

    private String subscriptionText()
    {
        return lane.subscription().isEmpty() ? "" : " (subscription '" + lane.subscription() + "')";
    }

    /** @return whether the lane is stuck now. */
    public boolean isStuck()
    {
        return watch.isStuck();
    }
}
