package io.sluice.server.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.sluice.server.security.AuthFailure;
import io.sluice.server.security.SecurityMetrics;

/**
 * The relay's security meters ({@link MetricNames#AUTH_FAILURES} and the rest), read from its
 * {@link SecurityMetrics} when the registry asks. Labels are reasons and setting names, never a principal's name,
 * token or certificate.
 */
public final class SecurityMeterBinder implements MeterBinder
{
    private final SecurityMetrics metrics;

    /**
     * @param metrics the relay's security metrics.
     */
    public SecurityMeterBinder(final SecurityMetrics metrics)
    {
        this.metrics = metrics;
    }

    @Override
    public void bindTo(final MeterRegistry registry)
    {
        for (final AuthFailure reason : AuthFailure.values())
        {
            FunctionCounter.builder("sluice.auth.failures", metrics, m -> m.authFailures(reason))
                .description(
                    "Connections refused by authentication, or closed by a reload that revoked them, by reason")
                .tag(MetricNames.REASON, reason.label())
                .register(registry);
        }
        for (final SecurityMetrics.Limit limit : SecurityMetrics.Limit.values())
        {
            FunctionCounter.builder("sluice.limit.refusals", metrics, m -> m.limitRefusals(limit))
                .description("Connections and HELLOs refused by a limit, by the limit's setting")
                .tag(MetricNames.LIMIT, limit.label())
                .register(registry);
        }
        FunctionCounter.builder("sluice.permission.denials", metrics, SecurityMetrics::permissionDenials)
            .description("HELLOs refused, and connections closed by a reload, with PERMISSION_DENIED")
            .register(registry);
        for (final boolean ok : new boolean[] {true, false})
        {
            FunctionCounter.builder("sluice.security.reloads", metrics, m -> m.reloads(ok))
                .description("Reloads of the principals, TLS and metrics token files; failed ones kept the old")
                .tag(MetricNames.RESULT, ok ? "ok" : "failed")
                .register(registry);
        }
        Gauge.builder("sluice.unauthenticated.connections", metrics, SecurityMetrics::unauthenticated)
            .description("Connections open now that have not had their WELCOME (max-unauthenticated-connections)")
            .register(registry);
        Gauge.builder("sluice.tls.certificate.expiry.timestamp", metrics, m -> m.certificateNotAfterMillis() / 1000.0)
            .description("When the relay's TLS certificate expires, seconds since the epoch; 0 without TLS")
            .baseUnit("seconds")
            .register(registry);
    }
}
