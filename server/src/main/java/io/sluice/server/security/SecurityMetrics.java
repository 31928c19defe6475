package io.sluice.server.security;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters and gauges of the relay's security: refusals by reason and by limit, reloads, connections awaiting their
 * WELCOME, and when the relay's certificate expires. Any thread. Nothing here carries a token, a hash or a
 * certificate's contents.
 */
public final class SecurityMetrics
{
    /** The limits a connection or HELLO can be refused by: the {@code limit} label. */
    public enum Limit
    {
        /** The relay's max-connections. */
        MAX_CONNECTIONS("max-connections"),
        /** The relay's max-unauthenticated-connections. */
        MAX_UNAUTHENTICATED("max-unauthenticated-connections"),
        /** A principal's max-connections. */
        PRINCIPAL_CONNECTIONS("principal.max-connections"),
        /** A principal's max-streams. */
        PRINCIPAL_STREAMS("principal.max-streams"),
        /** A principal's max-subscriptions. */
        PRINCIPAL_SUBSCRIPTIONS("principal.max-subscriptions");

        private final String label;

        Limit(final String label)
        {
            this.label = label;
        }

        /** @return the metric label, which is also the setting's name. */
        public String label()
        {
            return label;
        }
    }

    private final LongAdder[] authFailures = new LongAdder[AuthFailure.values().length];
    private final LongAdder[] limitRefusals = new LongAdder[Limit.values().length];
    private final LongAdder permissionDenials = new LongAdder();
    private final LongAdder reloads = new LongAdder();
    private final LongAdder failedReloads = new LongAdder();
    private final AtomicInteger unauthenticated = new AtomicInteger();
    private final AtomicLong certificateNotAfterMillis = new AtomicLong();

    SecurityMetrics()
    {
        for (int i = 0; i < authFailures.length; i++)
        {
            authFailures[i] = new LongAdder();
        }
        for (int i = 0; i < limitRefusals.length; i++)
        {
            limitRefusals[i] = new LongAdder();
        }
    }

    void onAuthFailure(final AuthFailure reason)
    {
        authFailures[reason.ordinal()].increment();
    }

    void onLimitRefusal(final Limit limit)
    {
        limitRefusals[limit.ordinal()].increment();
    }

    void onPermissionDenied()
    {
        permissionDenials.increment();
    }

    void onReload(final boolean succeeded)
    {
        (succeeded ? reloads : failedReloads).increment();
    }

    void certificate(final Instant notAfter)
    {
        certificateNotAfterMillis.set(notAfter == null ? 0 : notAfter.toEpochMilli());
    }

    AtomicInteger unauthenticatedCounter()
    {
        return unauthenticated;
    }

    /** @return connections refused or closed for this reason since start. */
    public long authFailures(final AuthFailure reason)
    {
        return authFailures[reason.ordinal()].sum();
    }

    /** @return connections and HELLOs refused by this limit since start. */
    public long limitRefusals(final Limit limit)
    {
        return limitRefusals[limit.ordinal()].sum();
    }

    /** @return HELLOs refused, and connections closed by a reload, with PERMISSION_DENIED since start. */
    public long permissionDenials()
    {
        return permissionDenials.sum();
    }

    /**
     * @param succeeded which reloads.
     * @return reloads of the security files since start that succeeded, or that failed (the old ones kept).
     */
    public long reloads(final boolean succeeded)
    {
        return (succeeded ? reloads : failedReloads).sum();
    }

    /** @return connections now open that have not been welcomed. */
    public int unauthenticated()
    {
        return unauthenticated.get();
    }

    /** @return when the relay's TLS certificate expires, epoch milliseconds; 0 without TLS. */
    public long certificateNotAfterMillis()
    {
        return certificateNotAfterMillis.get();
    }
}
