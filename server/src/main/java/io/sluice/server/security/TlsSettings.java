package io.sluice.server.security;

import io.sluice.core.tls.TlsProvider;

import java.nio.file.Path;
import java.util.Locale;

/**
 * TLS on the relay's port: its certificate and key, and optionally the authorities whose client certificates it
 * accepts (mutual TLS).
 *
 * @param certificate PEM file of the relay's certificate, then its chain.
 * @param key PEM file of the certificate's private key (unencrypted PKCS#8).
 * @param clientCa PEM file of the authorities that sign client certificates; null for no client certificates.
 * @param clientAuth whether a client certificate is asked for; {@link ClientAuth#NONE} without {@code clientCa}.
 * @param provider the TLS engine.
 * @param metrics whether the metrics port serves HTTPS with the same certificate.
 */
public record TlsSettings(Path certificate, Path key, Path clientCa, ClientAuth clientAuth, TlsProvider provider,
    boolean metrics)
{
    /** Whether a relay asks for a client certificate. */
    public enum ClientAuth
    {
        /** Asks for none. */
        NONE,
        /** Asks for one and verifies it when given; a client without one gets in on its token. */
        OPTIONAL,
        /** A client without a certificate its authorities signed fails the TLS handshake. */
        REQUIRED;

        /** @return the name as written in config: none, optional, required. */
        public String configName()
        {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * @param name none, optional or required, any case.
         * @return the mode.
         * @throws IllegalArgumentException naming the known values.
         */
        public static ClientAuth of(final String name)
        {
            for (final ClientAuth mode : values())
            {
                if (mode.configName().equalsIgnoreCase(name.strip()))
                {
                    return mode;
                }
            }
            throw new IllegalArgumentException(
                "'" + name + "' is not a client-auth mode (known: none, optional, required)");
        }
    }

    /**
     * @throws IllegalArgumentException naming the setting that is missing or contradicts another.
     */
    public TlsSettings
    {
        if (certificate == null || key == null)
        {
            throw new IllegalArgumentException("tls needs both tls-cert and tls-key");
        }
        if (provider == null)
        {
            provider = TlsProvider.AUTO;
        }
        if (clientAuth == null)
        {
            clientAuth = clientCa == null ? ClientAuth.NONE : ClientAuth.REQUIRED;
        }
        if (clientAuth != ClientAuth.NONE && clientCa == null)
        {
            throw new IllegalArgumentException("tls-client-auth " + clientAuth.configName() + " needs tls-client-ca");
        }
    }

    /**
     * @param certificate the relay's certificate file.
     * @param key its key file.
     * @return TLS without client certificates, provider auto, plain metrics.
     */
    public static TlsSettings of(final Path certificate, final Path key)
    {
        return new TlsSettings(certificate, key, null, ClientAuth.NONE, TlsProvider.AUTO, false);
    }

    /** @return a copy that verifies client certificates signed by the authorities in {@code clientCa}. */
    public TlsSettings withClientAuth(final Path clientCa, final ClientAuth clientAuth)
    {
        return new TlsSettings(certificate, key, clientCa, clientAuth, provider, metrics);
    }

    /** @return a copy with another TLS engine. */
    public TlsSettings withProvider(final TlsProvider provider)
    {
        return new TlsSettings(certificate, key, clientCa, clientAuth, provider, metrics);
    }

    /** @return a copy that serves the metrics port over HTTPS too, or not. */
    public TlsSettings withMetrics(final boolean metrics)
    {
        return new TlsSettings(certificate, key, clientCa, clientAuth, provider, metrics);
    }
}
