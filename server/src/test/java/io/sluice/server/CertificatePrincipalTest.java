package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.ClientTls;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.tls.TlsProvider;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.security.AuthFailure;
import io.sluice.server.security.TlsSettings;
import io.sluice.server.security.TokenHash;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client certificates that name principals (mutual TLS, client certificates optional), over real sockets: by
 * subject or by subject alternative name, with no token; a client without a certificate gets in on its token; a
 * certificate and a token that name different principals, or a certificate that names two, are refused; a reload that
 * takes the certificate's name from its principal closes that principal's connections.
 */
class CertificatePrincipalTest
{
    @TempDir
    Path dir;

    private final TestTls tls = TestTls.get();
    private Relay relay;
    private Path principals;

    @AfterEach
    void stop()
    {
        if (relay != null)
        {
            relay.close();
        }
    }

    private void start(final String principalsYaml) throws Exception
    {
        principals = Files.writeString(dir.resolve("principals.yaml"), principalsYaml);
        final RelayConfig.Builder builder = RelayConfig.builder().port(0).ioThreads(2);
        relay = Relay.start(builder.security(builder.security().withReloadCheckIntervalMs(0)
            .withPrincipalsFile(principals)
            .withTls(tls.relay(TlsProvider.AUTO).withClientAuth(tls.caFile, TlsSettings.ClientAuth.OPTIONAL))).build());
    }

    private ClientConfig withAlicesCertificate()
    {
        return ClientConfig.of("127.0.0.1", relay.port())
            .withTls(ClientTls.trusting(tls.caFile).withCertificate(tls.aliceCertificate, tls.aliceKey));
    }

    private static String carol()
    {
        return "  carol: {token: " + TokenHash.of("carol-token", TokenHash.MIN_ITERATIONS).text() +
            ", publish: [\"c.>\"]}\n";
    }

    @Test
    void theCertificatesSubjectNamesThePrincipalAndItsPermissionsApply() throws Exception
    {
        start("principals:\n  alice: {certificate-subject: \"" + TestTls.ALICE_SUBJECT + "\", publish: [\"a.>\"]}\n" +
            carol());
        try (SluiceClient alice = new SluiceClient(withAlicesCertificate());
             SluiceClient carol = new SluiceClient(tls.on(ClientConfig.of("127.0.0.1", relay.port()), TlsProvider.AUTO)
                 .withAuthToken("carol-token"));
             SluiceClient both = new SluiceClient(withAlicesCertificate().withAuthToken("carol-token")))
        {
            alice.publish("a.prices").close();
            final SluiceException denied = assertThrows(SluiceException.class, () -> alice.publish("c.prices"));
            assertEquals(ErrorCode.PERMISSION_DENIED, denied.code(), denied.getMessage());
            assertTrue(denied.getMessage().endsWith("principal 'alice' may not publish to stream 'c.prices'"),
                denied.getMessage());
            // No certificate: the token decides.
            carol.publish("c.prices").close();
            // A certificate of one principal and a token of another.
            final SluiceException conflict = assertThrows(SluiceException.class, () -> both.publish("a.prices"));
            assertEquals(ErrorCode.AUTH_FAILED, conflict.code(), conflict.getMessage());
            assertEquals(1, relay.security().metrics().authFailures(AuthFailure.CONFLICTING_CREDENTIALS));
        }
    }

    @Test
    void aSubjectAlternativeNameNamesThePrincipalAndTwoPrincipalsForOneCertificateAreRefused() throws Exception
    {
        start("principals:\n  alice: {certificate-name: " + TestTls.ALICE_NAME + ", publish: [\">\"]}\n" +
            "  other: {certificate-subject: \"" + TestTls.ALICE_SUBJECT + "\", publish: [\">\"]}\n");
        try (SluiceClient alice = new SluiceClient(withAlicesCertificate()))
        {
            final SluiceException ambiguous = assertThrows(SluiceException.class, () -> alice.publish("x"));
            assertEquals(ErrorCode.AUTH_FAILED, ambiguous.code(), ambiguous.getMessage());
            assertEquals(1, relay.security().metrics().authFailures(AuthFailure.AMBIGUOUS_CERTIFICATE));
            Files.writeString(principals, "principals:\n  alice: {certificate-name: " + TestTls.ALICE_NAME +
                ", publish: [\">\"]}\n");
            assertTrue(relay.security().reload());
            alice.publish("by-name").close();
        }
    }

    @Test
    void aReloadThatTakesTheCertificateFromItsPrincipalClosesItsConnections() throws Exception
    {
        start("principals:\n  alice: {certificate-subject: \"" + TestTls.ALICE_SUBJECT + "\", publish: [\">\"]}\n" +
            carol());
        try (SluiceClient alice = new SluiceClient(withAlicesCertificate()))
        {
            final Publication publication = alice.publish("a.kept-until-reload");
            Files.writeString(principals, "principals:\n  alice: {certificate-subject: \"CN=someone else\", " +
                "publish: [\">\"]}\n" + carol());
            assertTrue(relay.security().reload());
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (publication.isConnected())
            {
                assertTrue(System.nanoTime() < deadline, "alice still connected");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            assertTrue(publication.closeReason().contains("AUTH_FAILED"), publication.closeReason());
            assertEquals(1, relay.security().metrics().authFailures(AuthFailure.REVOKED));
            final SluiceException unknown = assertThrows(SluiceException.class, () -> alice.publish("again"));
            assertEquals(ErrorCode.AUTH_FAILED, unknown.code());
            assertEquals(1, relay.security().metrics().authFailures(AuthFailure.UNKNOWN_CERTIFICATE));
        }
    }
}
