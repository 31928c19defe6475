package io.sluice.client;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.sluice.core.tls.Pem;
import io.sluice.core.tls.TlsProvider;

import javax.net.ssl.SSLException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * TLS settings of a client: whom to trust, what certificate to show, and whether to check the relay's name.
 * <pre>{@code
 * ClientConfig.of("relay.example.com", 7440)
 *     .withTls(ClientTls.trusting(Path.of("ca.crt")).withCertificate(Path.of("alice.crt"), Path.of("alice.key")));
 * }</pre>
 *
 * @param trustFile PEM file of the certificate authorities that may sign the relay's certificate; null for the
 *                  JVM's default trust store.
 * @param certificateFile PEM file of this client's certificate (and its chain), for a relay that asks for one
 *                        (mutual TLS); null for none.
 * @param keyFile PEM file of the certificate's private key (unencrypted PKCS#8); null when there is no certificate.
 * @param verifyHostname whether the relay's certificate must name the host connected to (true unless turned off
 *                       with {@link #withoutHostnameVerification()}, which is for tests).
 * @param provider the TLS engine.
 */
public record ClientTls(
    Path trustFile, Path certificateFile, Path keyFile, boolean verifyHostname, TlsProvider provider)
{
    /**
     * @throws IllegalArgumentException when a certificate is given without its key or the other way round.
     */
    public ClientTls
    {
        if ((certificateFile == null) != (keyFile == null))
        {
            throw new IllegalArgumentException("a client certificate needs its key and a key its certificate");
        }
        if (provider == null)
        {
            throw new IllegalArgumentException("provider is required (auto, jdk or openssl)");
        }
    }

    /**
     * @param trustFile PEM file of the certificate authorities to trust; null for the JVM's default trust store.
     * @return TLS that verifies the relay's certificate and name, without a client certificate.
     */
    public static ClientTls trusting(final Path trustFile)
    {
        return new ClientTls(trustFile, null, null, true, TlsProvider.AUTO);
    }

    /** @return a copy that shows this certificate to a relay that asks for one. */
    public ClientTls withCertificate(final Path certificate, final Path key)
    {
        return new ClientTls(trustFile, certificate, key, verifyHostname, provider);
    }

    /** @return a copy with another TLS engine. */
    public ClientTls withProvider(final TlsProvider provider)
    {
        return new ClientTls(trustFile, certificateFile, keyFile, verifyHostname, provider);
    }

    /**
     * For tests only: the relay's certificate must still be signed by a trusted authority, but need not name the
     * host. Anyone holding any certificate from that authority could then pose as the relay.
     *
     * @return a copy that does not check the relay's name.
     */
    public ClientTls withoutHostnameVerification()
    {
        return new ClientTls(trustFile, certificateFile, keyFile, false, provider);
    }

    /**
     * Reads the files; a client calls it once, when it is made.
     *
     * @return a TLS context for client connections, TLS 1.3 and 1.2 only.
     * @throws IllegalArgumentException naming the file that cannot be read, or the key that does not match.
     */
    public SslContext newContext()
    {
        final SslContextBuilder builder = SslContextBuilder.forClient()
            .sslProvider(provider.netty())
            .protocols(TlsProvider.PROTOCOLS)
            .endpointIdentificationAlgorithm(verifyHostname ? "HTTPS" : null);
        if (trustFile != null)
        {
            builder.trustManager(Pem.certificates(trustFile, "TLS trust file").toArray(new X509Certificate[0]));
        }
        if (certificateFile != null)
        {
            final List<X509Certificate> chain = Pem.certificates(certificateFile, "TLS client certificate");
            final PrivateKey key = Pem.privateKey(keyFile, "TLS client key");
            final String mismatch = Pem.mismatch(key, chain.get(0));
            if (mismatch != null)
            {
                throw new IllegalArgumentException("TLS client key " + keyFile + " and certificate " + certificateFile +
                    ": " + mismatch);
            }
            builder.keyManager(key, chain.toArray(new X509Certificate[0]));
        }
        try
        {
            return builder.build();
        }
        catch (final SSLException ex)
        {
            throw new IllegalArgumentException("cannot set up TLS: " + ex.getMessage(), ex);
        }
    }
}
