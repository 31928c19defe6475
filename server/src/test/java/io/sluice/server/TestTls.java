package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.ClientTls;
import io.sluice.core.test.TestCertificates;
import io.sluice.core.tls.TlsProvider;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.security.TlsSettings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Certificates for the tests of one JVM, made once (in a temporary folder removed at exit): an authority, the relay's
 * certificate for 127.0.0.1 and localhost, and a client certificate for {@code CN=alice,O=Sluice tests}. Helpers
 * turn a relay's and a client's config into TLS ones.
 */
final class TestTls
{
    /** The subject of {@link #aliceCertificate}. */
    static final String ALICE_SUBJECT = "CN=alice,O=Sluice tests";
    /** The DNS name in {@link #aliceCertificate}'s subject alternative names. */
    static final String ALICE_NAME = "alice.clients.test";

    private static TestTls instance;

    final Path dir;
    final TestCertificates.Authority authority;
    final Path caFile;
    final Path relayCertificate;
    final Path relayKey;
    final Path aliceCertificate;
    final Path aliceKey;

    private TestTls()
    {
        try
        {
            dir = Files.createTempDirectory("sluice-test-tls-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        dir.toFile().deleteOnExit();
        authority = TestCertificates.authority("Sluice test CA");
        caFile = authority.write(dir, "ca");
        relayCertificate = authority.server("localhost").write(dir, "relay");
        relayKey = dir.resolve("relay.key");
        aliceCertificate = authority.client(ALICE_SUBJECT, ALICE_NAME).write(dir, "alice");
        aliceKey = dir.resolve("alice.key");
        for (final String name : new String[] {"ca.crt", "relay.crt", "relay.key", "alice.crt", "alice.key"})
        {
            dir.resolve(name).toFile().deleteOnExit();
        }
    }

    /** @return the certificates of this JVM's tests. */
    static synchronized TestTls get()
    {
        if (instance == null)
        {
            instance = new TestTls();
        }
        return instance;
    }

    /** @return TLS on the relay's port with its certificate, no client certificates. */
    TlsSettings relay(final TlsProvider provider)
    {
        return TlsSettings.of(relayCertificate, relayKey).withProvider(provider);
    }

    /** @return the builder, with TLS on the relay's port. */
    RelayConfig.Builder on(final RelayConfig.Builder builder, final TlsProvider provider)
    {
        return builder.security(builder.security().withTls(relay(provider)));
    }

    /** @return the client config, with TLS trusting the test authority. */
    ClientConfig on(final ClientConfig config, final TlsProvider provider)
    {
        return config.withTls(ClientTls.trusting(caFile).withProvider(provider));
    }
}
