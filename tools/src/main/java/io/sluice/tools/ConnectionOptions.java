package io.sluice.tools;

import io.sluice.client.ClientConfig;
import io.sluice.client.ClientTls;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * Where the relay is and how to be let in: the options of every command that connects to a relay as a client
 * ({@code produce}, {@code consume}, {@code dead-letter replay}), as one picocli mixin
 * ({@code @Mixin ConnectionOptions connection}).
 * <p>
 * The auth token comes from a file or the environment, never from the command line, which other users of the
 * machine see in {@code ps}. With {@code --tls-trust} the connection is TLS, the relay's certificate checked against
 * the given authorities and its name against {@code --host}; {@code --tls-cert} and {@code --tls-key} add a client
 * certificate for a relay that asks for one.
 */
public final class ConnectionOptions
{
    /** The environment variable that holds the auth token when no {@code --token-file} is given. */
    public static final String TOKEN_ENV = "SLUICE_TOKEN";

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "H",
        description = "Relay host (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "7440", paramLabel = "P",
        description = "Relay port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "Read the relay's auth token from FILE (its whole content, less a final line break). "
            + "Default: the " + TOKEN_ENV + " environment variable if set, else no token.")
    Path tokenFile;

    @Option(names = "--tls-trust", paramLabel = "FILE",
        description = "Connect with TLS, trusting the certificate authorities in FILE (PEM) to sign the relay's "
            + "certificate, which must name --host. Default: plain TCP.")
    Path tlsTrust;

    @Option(names = "--tls-cert", paramLabel = "FILE",
        description = "With --tls-trust: this client's certificate (PEM), for a relay that asks for one (mutual TLS).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
        description = "The private key of --tls-cert (PEM, unencrypted PKCS#8).")
    Path tlsKey;

    @Option(names = "--connect-timeout", defaultValue = "5s", paramLabel = "D",
        converter = DurationConverter.class,
        description = "How long connecting and the relay's answer to HELLO may take (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    // The environment, replaceable in tests.
    UnaryOperator<String> environment = System::getenv;

    /**
     * @param spec the command, for errors.
     * @param maxMessageLength the largest payload the command sends.
     * @return the client settings these options give.
     * @throws ParameterException naming the option that is wrong, or the token file that cannot be read.
     */
    public ClientConfig clientConfig(final CommandSpec spec, final int maxMessageLength)
    {
        final String token = token(spec);
        final long timeoutMs = connectTimeout.toMillis();
        if (timeoutMs < 1 || timeoutMs > Integer.MAX_VALUE)
        {
            throw new ParameterException(spec.commandLine(), "--connect-timeout must be from 1ms to 24 days");
        }
        if (tlsTrust == null && (tlsCert != null || tlsKey != null))
        {
            throw new ParameterException(spec.commandLine(), "--tls-cert and --tls-key need --tls-trust");
        }
        try
        {
            final ClientTls tls = tlsTrust == null
                ? null
                : ClientTls.trusting(tlsTrust).withCertificate(tlsCert, tlsKey);
            if (tls != null)
            {
                tls.newContext(); // reads the files now, so that a wrong one is a usage error
            }
            return ClientConfig.of(host, port).withAuthToken(token).withMaxMessageLength(maxMessageLength)
                .withConnectTimeoutMs((int)timeoutMs).withTls(tls);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ParameterException(spec.commandLine(), ex.getMessage());
        }
    }

    /**
     * @return the first TLS option given ({@code --tls-trust}, {@code --tls-cert}, {@code --tls-key}), or null for
     * plain TCP: for a command or a mode that speaks plain TCP only to refuse it by name.
     */
    String tlsOption()
    {
        if (tlsTrust != null)
        {
            return "--tls-trust";
        }
        if (tlsCert != null)
        {
            return "--tls-cert";
        }
        return tlsKey != null ? "--tls-key" : null;
    }

    private String token(final CommandSpec spec)
    {
        if (tokenFile == null)
        {
            final String fromEnvironment = environment.apply(TOKEN_ENV);
            return fromEnvironment == null ? "" : fromEnvironment;
        }
        final String content;
        try
        {
            content = Files.readString(tokenFile, StandardCharsets.UTF_8);
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new ParameterException(spec.commandLine(), "cannot read --token-file " + tokenFile + ": " + ex);
        }
        // A file written by echo or an editor ends with a line break that is not part of the token.
        int end = content.length();
        while (end > 0 && (content.charAt(end - 1) == '\n' || content.charAt(end - 1) == '\r'))
        {
            end--;
        }
        if (end == 0)
        {
            throw new ParameterException(spec.commandLine(), "--token-file " + tokenFile + " is empty");
        }
        return content.substring(0, end);
    }
}
