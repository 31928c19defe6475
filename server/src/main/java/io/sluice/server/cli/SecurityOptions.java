package io.sluice.server.cli;

import io.sluice.core.tls.TlsProvider;
import io.sluice.server.security.SecurityConfig;
import io.sluice.server.security.TlsSettings;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The relay's security flags (TLS, principals, connection limits, the metrics token), as a picocli mixin. Boxed and
 * without picocli defaults: null means "not given", so that only the flags given override the config file.
 */
public final class SecurityOptions
{
    @Option(names = "--tls-cert", paramLabel = "FILE",
        description = "TLS on the relay's port: its certificate (PEM, then its chain). Needs --tls-key.")
    private Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
        description = "The private key of --tls-cert (PEM, unencrypted PKCS#8).")
    private Path tlsKey;

    @Option(names = "--tls-client-ca", paramLabel = "FILE",
        description = "Verify client certificates signed by the authorities in FILE (PEM): mutual TLS.")
    private Path tlsClientCa;

    @Option(names = "--tls-client-auth", paramLabel = "MODE", converter = OptionConverters.ClientAuthName.class,
        description = "With --tls-client-ca: required (default; no certificate, no connection) or optional (a "
            + "client without one gets in on its token).")
    private TlsSettings.ClientAuth tlsClientAuth;

    @Option(names = "--tls-provider", paramLabel = "NAME", converter = OptionConverters.TlsProviderName.class,
        description = "TLS engine: auto (default: OpenSSL when it loads, else the JDK's), jdk or openssl.")
    private TlsProvider tlsProvider;

    @Option(names = "--metrics-tls",
        description = "Serve the metrics port over HTTPS with the relay's --tls-cert and --tls-key.")
    private Boolean metricsTls;

    @Option(names = "--metrics-token-file", paramLabel = "FILE",
        description = "The metrics port answers only requests with 'Authorization: Bearer TOKEN', TOKEN being "
            + "FILE's content (/health stays open).")
    private Path metricsTokenFile;

    @Option(names = "--principals", paramLabel = "FILE",
        description = "Principals file (YAML): who may connect, with which token or certificate, to publish or "
            + "subscribe to which streams, within which limits. See docs/security.md.")
    private Path principals;

    @Option(names = "--max-connections", paramLabel = "N",
        description = "Most connections at once; one more is refused with TOO_MANY_CONNECTIONS (default: "
            + SecurityConfig.DEFAULT_MAX_CONNECTIONS + ").")
    private Integer maxConnections;

    @Option(names = "--max-unauthenticated-connections", paramLabel = "N",
        description = "Most connections at once that have not had their WELCOME yet (default: "
            + SecurityConfig.DEFAULT_MAX_UNAUTHENTICATED + ").")
    private Integer maxUnauthenticatedConnections;

    /**
     * @param fromFile the security settings of the config file (or the defaults).
     * @return them with the flags given on top; a TLS flag given keeps the file's other TLS settings, except that a
     *         client CA given resets the file's client-auth mode to the one given or the default.
     */
    public SecurityConfig applyTo(final SecurityConfig fromFile)
    {
        SecurityConfig security = fromFile;
        if (principals != null)
        {
            security = security.withPrincipalsFile(principals);
        }
        if (maxConnections != null || maxUnauthenticatedConnections != null)
        {
            security = security.withConnectionLimits(maxConnections != null ? maxConnections :
                security.maxConnections(), maxUnauthenticatedConnections != null ? maxUnauthenticatedConnections :
                security.maxUnauthenticatedConnections());
        }
        if (metricsTokenFile != null)
        {
            security = security.withMetricsTokenFile(metricsTokenFile);
        }
        final TlsSettings file = security.tls();
        if (tlsCert != null || tlsKey != null || tlsClientCa != null || tlsClientAuth != null || tlsProvider != null ||
            metricsTls != null)
        {
            security = security.withTls(new TlsSettings(
                tlsCert != null ? tlsCert : file == null ? null : file.certificate(),
                tlsKey != null ? tlsKey : file == null ? null : file.key(),
                tlsClientCa != null ? tlsClientCa : file == null ? null : file.clientCa(),
                tlsClientAuth != null ? tlsClientAuth : file == null || tlsClientCa != null ? null : file.clientAuth(),
                tlsProvider != null ? tlsProvider : file == null ? TlsProvider.AUTO : file.provider(),
                metricsTls != null ? metricsTls : file != null && file.metrics()));
        }
        return security;
    }
}
