package io.sluice.server.security;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.ProtocolException;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * What one principal uses now, over all its connections: connections, durable subscriptions, streams it created,
 * and its publish rate; checked against its limits. Kept by name across reloads, so that counts survive a reload and
 * new limits apply to what is already counted. Any thread.
 */
final class PrincipalUsage implements StreamQuota
{
    private final String name;
    private final SecurityMetrics metrics;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger subscriptions = new AtomicInteger();
    private final AtomicInteger streams = new AtomicInteger();
    private final PublishRate publishRate;
    private volatile PrincipalLimits limits;

    PrincipalUsage(final String name, final PrincipalLimits limits, final SecurityMetrics metrics,
        final LongSupplier nanoClock)
    {
        this.name = name;
        this.limits = limits;
        this.metrics = metrics;
        this.publishRate = new PublishRate(limits.publishRateBytes(), nanoClock);
    }

    /** A reload read the principal again. */
    void limits(final PrincipalLimits limits)
    {
        this.limits = limits;
        publishRate.bytesPerSecond(limits.publishRateBytes());
    }

    PrincipalLimits limits()
    {
        return limits;
    }

    /** @return the publish rate its connections share; its rate is 0 while the principal has none. */
    PublishRate publishRate()
    {
        return publishRate;
    }

    /**
     * One more connection, and one more durable subscription if it names one.
     *
     * @throws ProtocolException TOO_MANY_CONNECTIONS or TOO_MANY_SUBSCRIPTIONS naming the limit; nothing taken then.
     */
    void open(final boolean durable)
    {
        final PrincipalLimits now = limits;
        if (!take(connections, now.maxConnections()))
        {
            metrics.onLimitRefusal(SecurityMetrics.Limit.PRINCIPAL_CONNECTIONS);
            throw new ProtocolException(ErrorCode.TOO_MANY_CONNECTIONS, "principal '" + name + "' has " +
                now.maxConnections() + " connections, its max-connections");
        }
        if (durable && !take(subscriptions, now.maxSubscriptions()))
        {
            connections.decrementAndGet();
            metrics.onLimitRefusal(SecurityMetrics.Limit.PRINCIPAL_SUBSCRIPTIONS);
            throw new ProtocolException(ErrorCode.TOO_MANY_SUBSCRIPTIONS, "principal '" + name + "' has " +
                now.maxSubscriptions() + " durable subscriptions connected, its max-subscriptions");
        }
    }

    /** A connection taken with {@link #open} closed. */
    void close(final boolean durable)
    {
        connections.decrementAndGet();
        if (durable)
        {
            subscriptions.decrementAndGet();
        }
    }

    @Override
    public void take(final String stream)
    {
        final int max = limits.maxStreams();
        if (!take(streams, max))
        {
            metrics.onLimitRefusal(SecurityMetrics.Limit.PRINCIPAL_STREAMS);
            throw new ProtocolException(ErrorCode.TOO_MANY_STREAMS, "no new stream '" + stream + "': principal '" +
                name + "' has " + max + " streams, its max-streams");
        }
    }

    @Override
    public void giveBack()
    {
        streams.decrementAndGet();
    }

    // One more unless that passes the limit (0: none).
    private static boolean take(final AtomicInteger count, final int max)
    {
        if (count.incrementAndGet() > max && max > 0)
        {
            count.decrementAndGet();
            return false;
        }
        return true;
    }
}
