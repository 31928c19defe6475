package io.sluice.core.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

import java.util.Locale;

/**
 * Which TLS engine encrypts a connection: OpenSSL (BoringSSL, through netty-tcnative) or the JDK's own.
 */
public enum TlsProvider
{
    /** OpenSSL when it loads on this machine, else the JDK's engine. */
    AUTO,
    /** The JDK's engine. */
    JDK,
    /** OpenSSL through netty-tcnative-boringssl-static; refused where it does not load. */
    OPENSSL;

    /** The protocol versions Sluice speaks, newest first: nothing older than TLS 1.2. */
    public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /**
     * @return the Netty provider this choice means on this machine.
     * @throws IllegalArgumentException for {@link #OPENSSL} when OpenSSL does not load, with the reason.
     */
    public SslProvider netty()
    {
        switch (this)
        {
            case JDK:
                return SslProvider.JDK;
            case OPENSSL:
                if (!OpenSsl.isAvailable())
                {
                    throw new IllegalArgumentException("TLS provider openssl is not available here: " +
                        OpenSsl.unavailabilityCause() + " (use auto or jdk)");
                }
                return SslProvider.OPENSSL;
            default:
                return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        }
    }

    /** @return the name as written in config and on the command line: auto, jdk, openssl. */
    public String configName()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param name auto, jdk or openssl, any case.
     * @return the provider.
     * @throws IllegalArgumentException naming the known values.
     */
    public static TlsProvider of(final String name)
    {
        for (final TlsProvider provider : values())
        {
            if (provider.configName().equalsIgnoreCase(name.strip()))
            {
                return provider;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not a TLS provider (known: auto, jdk, openssl)");
    }
}
