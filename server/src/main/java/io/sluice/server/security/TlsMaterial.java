package io.sluice.server.security;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.sluice.core.tls.Pem;
import io.sluice.core.tls.TlsProvider;

import javax.net.ssl.SSLException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * The relay's TLS as read from its files at one moment: the context new connections are encrypted with, and the key
 * and chain (for the metrics port). A reload reads the files into a new one and swaps it in whole; connections
 * already open keep the one they started with.
 *
 * @param context the relay port's context, TLS 1.3 and 1.2 only.
 * @param key the relay's private key.
 * @param chain the relay's certificate, then its chain.
 * @param provider the engine in use, for the log.
 */
record TlsMaterial(SslContext context, PrivateKey key, List<X509Certificate> chain, SslProvider provider)
{
    /**
     * Reads and checks the files.
     *
     * @param settings which files.
     * @return the material.
     * @throws IllegalArgumentException naming the file at fault: unreadable, not PEM, a key that does not belong to
     *                                  the certificate, or a certificate that has expired.
     */
    static TlsMaterial load(final TlsSettings settings)
    {
        final List<X509Certificate> chain = Pem.certificates(settings.certificate(), "tls-cert");
        final PrivateKey key = Pem.privateKey(settings.key(), "tls-key");
        final String mismatch = Pem.mismatch(key, chain.get(0));
        if (mismatch != null)
        {
            throw new IllegalArgumentException("tls-key " + settings.key() + " and tls-cert " + settings.certificate() +
                ": " + mismatch);
        }
        final Instant notAfter = chain.get(0).getNotAfter().toInstant();
        if (notAfter.isBefore(Instant.now()))
        {
            throw new IllegalArgumentException("tls-cert " + settings.certificate() + " expired at " + notAfter);
        }
        final SslProvider provider = settings.provider().netty();
        final SslContextBuilder builder = SslContextBuilder.forServer(key, chain.toArray(new X509Certificate[0]))
            .sslProvider(provider)
            .protocols(TlsProvider.PROTOCOLS);
        if (settings.clientCa() != null)
        {
            builder.trustManager(Pem.certificates(settings.clientCa(), "tls-client-ca").toArray(new X509Certificate[0]))
                .clientAuth(settings.clientAuth() == TlsSettings.ClientAuth.REQUIRED ? ClientAuth.REQUIRE :
                    settings.clientAuth() == TlsSettings.ClientAuth.OPTIONAL ? ClientAuth.OPTIONAL : ClientAuth.NONE);
        }
        try
        {
            final SslContext context = builder.build();
            return new TlsMaterial(context, key, List.copyOf(chain), provider);
        }
        catch (final SSLException | RuntimeException ex)
        {
            throw new IllegalArgumentException("cannot set up TLS from tls-cert " + settings.certificate() + ": " +
                ex.getMessage(), ex);
        }
    }

    /** @return when the relay's certificate expires. */
    Instant notAfter()
    {
        return chain.get(0).getNotAfter().toInstant();
    }

    /** Names the certificate, not the key: a record prints its components. */
    @Override
    public String toString()
    {
        return "TLS " + chain.get(0).getSubjectX500Principal().getName() + " until " + notAfter() +
            " (" + provider + ")";
    }
}
