package io.sluice.server.security;

import java.nio.file.Path;

/**
 * The relay's security settings: TLS, principals, limits on connections, and how often changed files are reloaded.
 * Immutable; part of the relay's config ({@code RelayConfig#security()}).
 *
 * @param tls TLS on the relay's port, or null for plain TCP.
 * @param principalsFile the principals file (see {@code docs/security.md}), or null: then the relay's auth-token, if
 *                       any, is the only credential.
 * @param maxConnections most connections open at once; past it a new connection is refused at once.
 * @param maxUnauthenticatedConnections most connections at once that have not yet been welcomed (TLS handshake or
 *                                      HELLO pending); past it a new connection is refused at once.
 * @param reloadCheckIntervalMs how often the principals file, the TLS files and the metrics token file are checked
 *                              for changes (and reloaded when changed); 0 reloads on SIGHUP only.
 * @param metricsTokenFile a file holding the token the metrics port wants ({@code Authorization: Bearer}), or null
 *                         for an open metrics port.
 */
public record SecurityConfig(
    TlsSettings tls, Path principalsFile, int maxConnections, int maxUnauthenticatedConnections,
    int reloadCheckIntervalMs, Path metricsTokenFile)
{
    /**
     * Default max-connections: 65536, more than a relay's file descriptors usually allow, so that it is the operator's
     * limit (ulimit -n) that bounds a relay unless they set this lower.
     */
    public static final int DEFAULT_MAX_CONNECTIONS = 65_536;
    /**
     * Default max-unauthenticated-connections: 1024. Each costs at most a HELLO's bytes (and a TLS handshake), and each
     * goes within the hello timeout; connected clients are never counted here.
     */
    public static final int DEFAULT_MAX_UNAUTHENTICATED = 1024;
    /** Default reload-check-interval: 10 s. */
    public static final int DEFAULT_RELOAD_CHECK_INTERVAL_MS = 10_000;

    /** No TLS, no principals file, the default limits. */
    public static final SecurityConfig DEFAULT = new SecurityConfig(null, null, DEFAULT_MAX_CONNECTIONS,
        DEFAULT_MAX_UNAUTHENTICATED, DEFAULT_RELOAD_CHECK_INTERVAL_MS, null);

    /**
     * @throws IllegalArgumentException naming the setting that is out of range.
     */
    public SecurityConfig
    {
        if (maxConnections < 1)
        {
            throw new IllegalArgumentException("max-connections must be >= 1, was " + maxConnections);
        }
        if (maxUnauthenticatedConnections < 1)
        {
            throw new IllegalArgumentException("max-unauthenticated-connections must be >= 1, was " +
                maxUnauthenticatedConnections);
        }
        if (reloadCheckIntervalMs < 0)
        {
            throw new IllegalArgumentException("reload-check-interval must not be negative (0: SIGHUP only), was " +
                reloadCheckIntervalMs + " ms");
        }
    }

    /** @return a copy with TLS settings (null: plain TCP). */
    public SecurityConfig withTls(final TlsSettings tls)
    {
        return new SecurityConfig(tls, principalsFile, maxConnections, maxUnauthenticatedConnections,
            reloadCheckIntervalMs, metricsTokenFile);
    }

    /** @return a copy with a principals file (null: none). */
    public SecurityConfig withPrincipalsFile(final Path principalsFile)
    {
        return new SecurityConfig(tls, principalsFile, maxConnections, maxUnauthenticatedConnections,
            reloadCheckIntervalMs, metricsTokenFile);
    }

    /** @return a copy with other connection limits. */
    public SecurityConfig withConnectionLimits(final int maxConnections, final int maxUnauthenticatedConnections)
    {
        return new SecurityConfig(tls, principalsFile, maxConnections, maxUnauthenticatedConnections,
            reloadCheckIntervalMs, metricsTokenFile);
    }

    /** @return a copy with another reload check interval (0: SIGHUP only). */
    public SecurityConfig withReloadCheckIntervalMs(final int reloadCheckIntervalMs)
    {
        return new SecurityConfig(tls, principalsFile, maxConnections, maxUnauthenticatedConnections,
            reloadCheckIntervalMs, metricsTokenFile);
    }

    /** @return a copy with a metrics token file (null: open metrics port). */
    public SecurityConfig withMetricsTokenFile(final Path metricsTokenFile)
    {
        return new SecurityConfig(tls, principalsFile, maxConnections, maxUnauthenticatedConnections,
            reloadCheckIntervalMs, metricsTokenFile);
    }
}
