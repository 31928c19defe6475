package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.ClientTls;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.test.TestCertificates;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.security.AuthFailure;
import io.sluice.server.security.TokenHash;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

import static io.sluice.server.TlsTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reloading the principals file and the TLS files while messages flow, over real sockets: a removed principal's
 * connections close with AUTH_FAILED, a connection that lost its permission with PERMISSION_DENIED naming stream and
 * role, and the connections that keep their rights lose nothing; files that do not parse or check leave the ones in
 * use in place; a new certificate serves the next connection; and SIGHUP reloads a relay started by the command.
 */
class ReloadTest
{
    private static final String ALICE = TokenHash.of("alice-token", TokenHash.MIN_ITERATIONS).text();
    private static final String BOB = TokenHash.of("bob-token", TokenHash.MIN_ITERATIONS).text();
    private static final String CAROL = TokenHash.of("carol-token", TokenHash.MIN_ITERATIONS).text();

    @TempDir
    Path dir;

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

    private void writeAtomically(final Path file, final String text) throws IOException
    {
        final Path next = Files.writeString(dir.resolve(file.getFileName() + ".next"), text);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private ClientConfig as(final String token)
    {
        return ClientConfig.of("127.0.0.1", relay.port()).withAuthToken(token);
    }

    @Test
    void aReloadClosesOnlyWhatLostItsRightsAndNothingElseLosesAMessage() throws Exception
    {
        principals = dir.resolve("principals.yaml");
        writeAtomically(principals, "principals:\n" +
            "  alice: {token: " + ALICE + ", publish: [\"a.>\"], subscribe: [\"a.>\"]}\n" +
            "  bob: {token: " + BOB + ", publish: [\"b.>\"], subscribe: [\"b.>\"]}\n" +
            "  carol: {token: " + CAROL + ", publish: [\"c.>\"], subscribe: [\"c.>\"]}\n");
        final RelayConfig.Builder builder = RelayConfig.builder().port(0).ioThreads(2);
        relay = Relay.start(builder.security(builder.security().withPrincipalsFile(principals)
            .withReloadCheckIntervalMs(100)).build());
        try (SluiceClient alice = new SluiceClient(as("alice-token"));
             SluiceClient bob = new SluiceClient(as("bob-token"));
             SluiceClient carol = new SluiceClient(as("carol-token")))
        {
            final Subscription aliceIn = alice.subscribe("a.flow");
            final Publication aliceOut = alice.publish("a.flow");
            final Subscription bobIn = bob.subscribe("b.flow");
            final Publication bobOut = bob.publish("b.flow");
            final Subscription carolIn = carol.subscribe("c.flow");
            final Publication carolOut = carol.publish("c.flow");

            // Alice publishes all along, before, during and after the reload.
            final AtomicBoolean publishing = new AtomicBoolean(true);
            final AtomicLong sent = new AtomicLong();
            final Thread publisher = new Thread(() ->
            {
                final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
                while (publishing.get())
                {
                    payload.putLong(0, sent.get());
                    final long result = aliceOut.offer(payload, 0, 64);
                    if (result >= 0)
                    {
                        sent.incrementAndGet();
                    }
                    else if (result != Publication.BACK_PRESSURED)
                    {
                        return;
                    }
                    LockSupport.parkNanos(20_000);
                }
            }, "alice-publisher");
            publisher.start();
            final OrderCheckingHandler aliceReceived = new OrderCheckingHandler();
            pollUntil(aliceIn, aliceReceived, () -> aliceReceived.received > 1000);

            // Bob goes; Carol may no longer subscribe.
            writeAtomically(principals, "principals:\n" +
                "  alice: {token: " + ALICE + ", publish: [\"a.>\"], subscribe: [\"a.>\"]}\n" +
                "  carol: {token: " + CAROL + ", publish: [\"c.>\"]}\n");
            pollUntil(aliceIn, aliceReceived, () -> !bobIn.isConnected() && !bobOut.isConnected() &&
                !carolIn.isConnected());
            assertTrue(bobIn.closeReason().contains("AUTH_FAILED"), bobIn.closeReason());
            assertTrue(bobOut.closeReason().contains("AUTH_FAILED"), bobOut.closeReason());
            assertTrue(carolIn.closeReason().contains("PERMISSION_DENIED: principal 'carol' may not subscribe to " +
                "stream 'c.flow'"), carolIn.closeReason());
            assertTrue(carolOut.isConnected(), "carol may still publish: " + carolOut.closeReason());
            assertEquals(2, relay.security().metrics().authFailures(AuthFailure.REVOKED));
            assertEquals(1, relay.security().metrics().permissionDenials());
            assertEquals(1, relay.security().metrics().reloads(true));

            // A file that does not parse: the principals in use stay.
            writeAtomically(principals, "principals:\n  alice: {token: [unclosed\n");
            await(() -> relay.security().metrics().reloads(false) == 1, () -> "no failed reload counted");
            try (SluiceClient again = new SluiceClient(as("alice-token"));
                 SluiceClient gone = new SluiceClient(as("bob-token")))
            {
                again.subscribe("a.other").close();
                assertThrows(SluiceException.class, () -> gone.publish("b.flow"));
            }

            publishing.set(false);
            publisher.join();
            assertTrue(aliceOut.isConnected(), aliceOut.closeReason());
            pollUntil(aliceIn, aliceReceived, () -> aliceReceived.received >= sent.get());
            assertEquals(sent.get(), aliceReceived.received, aliceReceived.toString());
            assertTrue(aliceReceived.clean(), aliceReceived.toString());
        }
    }

    @Test
    void aCertificateThatDoesNotMatchItsKeyIsRefusedAndTheNewOneServesTheNextConnection() throws Exception
    {
        final TestTls tls = TestTls.get();
        final TestCertificates.Authority authority = tls.authority;
        final Path certificate = dir.resolve("relay.crt");
        final Path key = dir.resolve("relay.key");
        final TestCertificates.Issued first = authority.server("localhost");
        TestCertificates.writeKey(key, first.key());
        TestCertificates.writeCertificates(certificate, List.of(first.certificate()));
        final RelayConfig.Builder builder = RelayConfig.builder().port(0).ioThreads(2);
        relay = Relay.start(builder.security(builder.security().withReloadCheckIntervalMs(0)
            .withTls(io.sluice.server.security.TlsSettings.of(certificate, key))).build());
        final ClientConfig client = ClientConfig.of("127.0.0.1", relay.port()).withTls(ClientTls.trusting(tls.caFile));
        final long firstExpiry = relay.security().metrics().certificateNotAfterMillis();
        try (HealthyPair healthy = new HealthyPair(client, "tls-reload"))
        {
            healthy.assertFlows(100);
            // A renewal half done: the new certificate, the old key.
            final TestCertificates.Issued second = authority.server("localhost");
            writeAtomically(certificate, pem(second));
            assertFalse(relay.security().reload(), "a certificate with another's key was taken");
            assertEquals(firstExpiry, relay.security().metrics().certificateNotAfterMillis());
            assertEquals(first.certificate().getSerialNumber(), servedSerial(tls));
            try (SluiceClient next = new SluiceClient(client))
            {
                next.publish("still-old").close();
            }
            // The key follows: the new pair serves the next connection, the open ones carry on.
            writeAtomically(key, keyPem(second));
            assertTrue(relay.security().reload());
            assertEquals(second.certificate().getNotAfter().getTime(),
                relay.security().metrics().certificateNotAfterMillis());
            assertEquals(second.certificate().getSerialNumber(), servedSerial(tls));
            try (SluiceClient next = new SluiceClient(client))
            {
                next.publish("new").close();
            }
            healthy.assertFlows(100);
        }
    }

    @Test
    void sighupReloadsARelayStartedByTheCommand() throws Exception
    {
        principals = dir.resolve("principals.yaml");
        writeAtomically(principals, "principals:\n  bob: {token: " + BOB + ", publish: [\">\"], subscribe: [\">\"]}\n");
        try (ChildRelay child = ChildRelay.start(dir.resolve("relay.log"), List.of("-Xmx128m"), "--port", "0",
            "--principals", principals.toString(), "--config", Files.writeString(dir.resolve("relay.yaml"),
                "reload-check-interval: 0\n").toString());
             SluiceClient bob = new SluiceClient(ClientConfig.of("127.0.0.1", child.port()).withAuthToken("bob-token")))
        {
            final Subscription subscription = bob.subscribe("hup");
            writeAtomically(principals, "principals: {}\n");
            child.signalHup();
            child.awaitLogLine(Pattern.compile("reloaded security settings: 0 principals"), 30);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (subscription.isConnected())
            {
                assertTrue(System.nanoTime() < deadline, "bob still connected after SIGHUP");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            assertTrue(subscription.closeReason().contains(ErrorCode.AUTH_FAILED.name()), subscription.closeReason());
        }
    }

    // The serial number of the certificate the relay shows a new connection.
    private java.math.BigInteger servedSerial(final TestTls tls) throws Exception
    {
        final java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", tls.authority.certificate());
        final javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        factory.init(trust);
        final javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket)context.getSocketFactory()
            .createSocket("127.0.0.1", relay.port()))
        {
            socket.setSoTimeout(5_000);
            socket.startHandshake();
            return ((java.security.cert.X509Certificate)socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private static String pem(final TestCertificates.Issued issued) throws IOException
    {
        final Path scratch = Files.createTempFile("cert", ".pem");
        try
        {
            return Files.readString(TestCertificates.writeCertificates(scratch, List.of(issued.certificate())));
        }
        finally
        {
            Files.delete(scratch);
        }
    }

    private static String keyPem(final TestCertificates.Issued issued) throws IOException
    {
        final Path scratch = Files.createTempFile("key", ".pem");
        try
        {
            return Files.readString(TestCertificates.writeKey(scratch, issued.key()));
        }
        finally
        {
            Files.delete(scratch);
        }
    }

    private static void pollUntil(final Subscription subscription, final OrderCheckingHandler handler,
        final java.util.function.BooleanSupplier done)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!done.getAsBoolean())
        {
            assertTrue(subscription.isConnected(), "alice's subscription closed: " + subscription.closeReason());
            if (subscription.poll(handler, 1000) == 0)
            {
                assertTrue(System.nanoTime() < deadline, "waited 30 s; " + handler);
                LockSupport.parkNanos(100_000);
            }
        }
    }
}
