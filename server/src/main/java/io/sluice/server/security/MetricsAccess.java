package io.sluice.server.security;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Who may read the relay's HTTP endpoints (metrics, and whatever else serves on the metrics port): the token they
 * must send as {@code Authorization: Bearer TOKEN} when the relay has a metrics token file, and the TLS context when
 * the metrics port serves HTTPS. One small piece every handler of the metrics port calls
 * ({@link #permits(String)}), and both follow reloads: a new token or certificate applies to the next request.
 */
public final class MetricsAccess
{
    private static final String BEARER = "Bearer ";

    private volatile byte[] token;
    private final SSLContext sslContext;
    private final AtomicReference<X509ExtendedKeyManager> keys = new AtomicReference<>();

    /**
     * @param token the token requests must carry, or null for none.
     * @param tls the relay's TLS material when the metrics port serves HTTPS, else null.
     */
    MetricsAccess(final byte[] token, final TlsMaterial tls)
    {
        this.token = token;
        if (tls == null)
        {
            this.sslContext = null;
            return;
        }
        keys.set(keyManager(tls));
        try
        {
            sslContext = SSLContext.getInstance("TLS");
            sslContext.init(new KeyManager[] {new CurrentKeys()}, null, null);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalArgumentException("cannot set up HTTPS for the metrics port: " + ex.getMessage(), ex);
        }
    }

    /** Nothing required, plain HTTP: a relay without security settings. */
    static MetricsAccess open()
    {
        return new MetricsAccess(null, null);
    }

    /**
     * @param authorization the request's {@code Authorization} header, or null.
     * @return whether the request may be served: always when no token is required, else when it carries
     *         {@code Bearer} and the token (compared in constant time).
     */
    public boolean permits(final String authorization)
    {
        final byte[] expected = token;
        if (expected == null)
        {
            return true;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length()))
        {
            return false;
        }
        return MessageDigest.isEqual(expected,
            authorization.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8));
    }

    /** @return whether requests must carry a token. */
    public boolean requiresToken()
    {
        return token != null;
    }

    /** @return the context for HTTPS on the metrics port, whose certificate follows reloads; null for plain HTTP. */
    public SSLContext sslContext()
    {
        return sslContext;
    }

    /** A reload read new files: the next request and handshake use them. */
    void update(final byte[] token, final TlsMaterial tls)
    {
        this.token = token;
        if (sslContext != null && tls != null)
        {
            keys.set(keyManager(tls));
        }
    }

    private static X509ExtendedKeyManager keyManager(final TlsMaterial tls)
    {
        try
        {
            final char[] password = new char[0];
            final KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("relay", tls.key(), password, tls.chain().toArray(new X509Certificate[0]));
            final KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            for (final KeyManager manager : factory.getKeyManagers())
            {
                if (manager instanceof X509ExtendedKeyManager x509)
                {
                    return x509;
                }
            }
            throw new IllegalStateException("no X.509 key manager in " + factory.getAlgorithm());
        }
        catch (final GeneralSecurityException | java.io.IOException ex)
        {
            throw new IllegalArgumentException("cannot set up HTTPS for the metrics port: " + ex.getMessage(), ex);
        }
    }

    /** Asks the key manager of the moment: the JDK's HTTPS server keeps one SSLContext for its whole life. */
    private final class CurrentKeys extends X509ExtendedKeyManager
    {
        @Override
        public String[] getClientAliases(final String keyType, final Principal[] issuers)
        {
            return keys.get().getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(final String[] keyType, final Principal[] issuers, final Socket socket)
        {
            return keys.get().chooseClientAlias(keyType, issuers, socket);
        }

        @Override
        public String[] getServerAliases(final String keyType, final Principal[] issuers)
        {
            return keys.get().getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(final String keyType, final Principal[] issuers, final Socket socket)
        {
            return keys.get().chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineServerAlias(final String keyType, final Principal[] issuers, final SSLEngine engine)
        {
            return keys.get().chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public X509Certificate[] getCertificateChain(final String alias)
        {
            return keys.get().getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(final String alias)
        {
            return keys.get().getPrivateKey(alias);
        }
    }
}
