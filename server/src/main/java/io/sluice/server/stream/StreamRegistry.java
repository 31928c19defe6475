package io.sluice.server.stream;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.ProtocolException;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.security.StreamQuota;
import io.sluice.server.tier.disk.PositionsFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Streams by name: created by the first HELLO that names one, with the settings the config gives for the name, and
 * removed once no connection has used it for {@code stream-idle-timeout}, so that clients naming ever new streams
 * cannot grow the relay (its memory, its metrics, its logs) without bound. Streams named in the config are never
 * removed.
 * <p>
 * At most {@code max-streams} streams not named in the config exist at once; a HELLO that would create one more is
 * refused with {@link ErrorCode#TOO_MANY_STREAMS}. New streams are admitted in one place ({@code admit}), where the
 * principal whose HELLO creates one takes it from its own quota too ({@link StreamQuota}, under the same code), and
 * gets it back when the stream is removed.
 * <p>
 * A connection holds its stream from its HELLO to its close ({@link #acquire}, {@link #release}); lookup and
 * removal of one name are atomic with each other, so a connection never holds a stream that has been removed.
 * Source ids are handed out relay-wide and never reused while the relay runs: a stream removed and created again
 * does not give a new publisher the id of one whose messages still wait in a durable subscription's disk tier.
 */
public final class StreamRegistry
{
    private static final Logger LOG = LoggerFactory.getLogger(StreamRegistry.class);

    private final RelayConfig config;
    private final LongSupplier nanoClock;
    private final long idleTimeoutNanos;
    private final ConcurrentHashMap<String, Stream> streams = new ConcurrentHashMap<>();
    private final AtomicInteger nextStreamId = new AtomicInteger(1);
    private final AtomicInteger nextSourceId = new AtomicInteger(1);
    // Streams not named in the config, which max-streams bounds.
    private final AtomicInteger unconfigured = new AtomicInteger();
    // Whose quota each stream not named in the config was taken from: given back when it is removed.
    private final ConcurrentHashMap<String, StreamQuota> creators = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, SubscriptionPositions> positions = new ConcurrentHashMap<>();

    public StreamRegistry(final RelayConfig config)
    {
        this(config, System::nanoTime);
    }

    /**
     * @param config the relay's settings: streams named there, max-streams, stream-idle-timeout.
     * @param nanoClock the clock idle times are measured with.
     */
    public StreamRegistry(final RelayConfig config, final LongSupplier nanoClock)
    {
        this.config = config;
        this.nanoClock = nanoClock;
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.streamIdleTimeoutMs());
        loadPositions(config.spillDirectory());
    }

    // At start, before any connection: the positions subscriptions kept when the relay last stopped. Unreadable ones
    // are left out (their subscriptions start at position 1 again), and said so.
    private void loadPositions(final Path spillDirectory)
    {
        try
        {
            PositionsFile.readAll(spillDirectory).forEach((stream, bySubscription) ->
            {
                final SubscriptionPositions kept = positionsOf(stream);
                bySubscription.forEach((subscription, at) -> kept.keep(subscription, at.acked(), at.sent()));
            });
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.warn("spill directory {}: cannot read the subscriptions' acknowledged positions: {}", spillDirectory,
                ex.toString());
        }
    }

    // Per stream name, for the relay's lifetime: a stream removed when idle and created again finds them.
    private SubscriptionPositions positionsOf(final String stream)
    {
        return positions.computeIfAbsent(stream, s -> new SubscriptionPositions());
    }

    /**
     * Any thread: the stream named in a HELLO, created when it does not exist; held by the caller until it calls
     * {@link #release}.
     *
     * @throws ProtocolException {@link ErrorCode#TOO_MANY_STREAMS} when the stream would be one too many.
     */
    public Stream acquire(final String name)
    {
        return acquire(name, StreamQuota.NONE);
    }

    /**
     * Any thread: the stream named in a HELLO, created when it does not exist (and then taken from {@code quota});
     * held by the caller until it calls {@link #release}.
     *
     * @throws ProtocolException {@link ErrorCode#TOO_MANY_STREAMS} when the stream would be one too many for the relay
     *                           or for the quota.
     */
    public Stream acquire(final String name, final StreamQuota quota)
    {
        return streams.compute(name, (n, existing) ->
        {
            final Stream stream = existing != null ? existing : admit(n, quota);
            stream.join();
            return stream;
        });
    }

    /** Any thread: a connection that acquired {@code stream} has closed. */
    public void release(final Stream stream)
    {
        stream.leave(nanoClock.getAsLong());
    }

    // Inside compute for the name: the limit and the count change with the map.
    private Stream admit(final String name, final StreamQuota quota)
    {
        final boolean configured = config.streams().containsKey(name);
        if (!configured)
        {
            if (unconfigured.get() >= config.maxStreams())
            {
                throw new ProtocolException(ErrorCode.TOO_MANY_STREAMS, "no new stream '" + name + "': the relay has " +
                    config.maxStreams() + " streams, its max-streams");
            }
            quota.take(name);
            creators.put(name, quota);
            unconfigured.incrementAndGet();
        }
        return new Stream(name, nextId(nextStreamId), config.streamConfig(name), configured, positionsOf(name));
    }

    /**
     * Any thread: removes every stream not named in the config that no connection has held for the idle timeout.
     *
     * @return how many were removed.
     */
    public int removeIdle()
    {
        final long now = nanoClock.getAsLong();
        int removed = 0;
        for (final Stream candidate : streams.values())
        {
            if (candidate.isIdle(now, idleTimeoutNanos) && streams.computeIfPresent(candidate.name(),
                (n, stream) -> stream.isIdle(now, idleTimeoutNanos) ? removed(n) : stream) == null)
            {
                unconfigured.decrementAndGet();
                removed++;
            }
        }
        return removed;
    }

    // Inside compute for the name, as admit: the creator's quota is given back before the name can be created again.
    private Stream removed(final String name)
    {
        final StreamQuota quota = creators.remove(name);
        if (quota != null)
        {
            quota.giveBack();
        }
        return null;
    }

    /** @return how often {@link #removeIdle} should run: streams go between the timeout and the timeout plus this. */
    public long sweepIntervalMs()
    {
        return Math.max(10, Math.min(1_000, config.streamIdleTimeoutMs() / 2));
    }

    /** @return a source id for a new publisher: relay-wide, from 1, never 0. */
    public int newSourceId()
    {
        return nextId(nextSourceId);
    }

    // 1, 2, ... Integer.MAX_VALUE, then 1 again: ids stay positive (0 means none in WELCOME) over any run.
    private static int nextId(final AtomicInteger next)
    {
        return next.getAndUpdate(id -> id == Integer.MAX_VALUE ? 1 : id + 1);
    }

    public Stream find(final String name)
    {
        return streams.get(name);
    }

    public Collection<Stream> all()
    {
        return streams.values();
    }

    /** @return streams that exist now. */
    public int size()
    {
        return streams.size();
    }
}
