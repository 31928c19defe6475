package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.ClientTls;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.test.TestCertificates;
import io.sluice.core.tls.TlsProvider;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.security.AuthFailure;
import io.sluice.server.security.TlsSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.sluice.server.RawFrames.hello;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS on the relay's port over real sockets: messages flow with either engine on either side; every way a handshake
 * goes wrong (an untrusted relay, a relay certificate for another name, an expired or missing client certificate
 * under mutual TLS, plain text on a TLS port, TLS on a plain port) ends at once with an error that says what
 * happened, counted on the relay by reason, while a healthy connection alongside carries on.
 */
class TlsTest
{
    private static final int PUBLISHER = 1;
    private static final int CONNECT_TIMEOUT_MS = 5_000;

    private final TestTls tls = TestTls.get();
    private Relay relay;
    private SluiceClient healthy;

    @TempDir
    Path dir;

    @AfterEach
    void stop()
    {
        if (healthy != null)
        {
            healthy.close();
        }
        if (relay != null)
        {
            relay.close();
        }
    }

    private void start(final TlsSettings settings)
    {
        final RelayConfig.Builder builder = RelayConfig.builder().port(0).ioThreads(2);
        relay = Relay.start(builder.security(builder.security().withTls(settings)).build());
    }

    private ClientConfig client()
    {
        return ClientConfig.of("127.0.0.1", relay.port()).withConnectTimeoutMs(CONNECT_TIMEOUT_MS);
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"JDK", "OPENSSL"})
    void messagesFlowInOrderWithEitherEngineOnEitherSide(final TlsProvider relayEngine) throws Exception
    {
        start(tls.relay(relayEngine));
        final TlsProvider clientEngine = relayEngine == TlsProvider.JDK ? TlsProvider.OPENSSL : TlsProvider.JDK;
        try (SluiceClient client = new SluiceClient(tls.on(client(), clientEngine)))
        {
            final Subscription subscription = client.subscribe("tls-flow");
            final Publication publication = client.publish("tls-flow");
            Traffic.publishNumbered(publication, 20_000, 256);
            final OrderCheckingHandler handler = new OrderCheckingHandler();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (handler.received < 20_000 && System.nanoTime() < deadline)
            {
                subscription.poll(handler, 1000);
            }
            assertEquals(20_000, handler.received, handler + " relay in " + relay.metrics().messagesIn() + " lanes " +
                relay.metrics().lanes() + " acked " + publication.ackedSequence() + " " + subscription.closeReason() +
                " / " + publication.closeReason());
            assertTrue(handler.clean(), handler.toString());
        }
    }

    @Test
    void aRelayCertificateFromAnotherAuthorityFailsTheHandshakeAtOnce() throws Exception
    {
        start(tls.relay(TlsProvider.AUTO));
        healthy();
        final Path otherCa = TestCertificates.authority("Another CA").write(dir, "other-ca");
        final SluiceException refused = refusedWithin(client().withTls(ClientTls.trusting(otherCa)));
        assertTrue(refused.getMessage().startsWith("TLS handshake with 127.0.0.1:" + relay.port() + " failed"),
            refused.getMessage());
        awaitFailures(AuthFailure.TLS_HANDSHAKE, 1);
        healthyStillFlows();
    }

    @Test
    void aRelayCertificateForAnotherNameFailsUnlessNameChecksAreOff() throws Exception
    {
        final TestCertificates.Issued other = tls.authority.serverNamed("other.example");
        final Path certificate = other.write(dir, "other");
        start(TlsSettings.of(certificate, dir.resolve("other.key")));
        final SluiceException refused = refusedWithin(tls.on(client(), TlsProvider.AUTO));
        assertTrue(refused.getMessage().contains("TLS handshake"), refused.getMessage());
        // The same authority, no name check: let in (for tests only).
        try (SluiceClient client = new SluiceClient(client().withTls(
            ClientTls.trusting(tls.caFile).withoutHostnameVerification())))
        {
            client.publish("named").close();
        }
    }

    @Test
    void theRelayNameIsCheckedAgainstTheHostConnectedTo() throws Exception
    {
        start(tls.relay(TlsProvider.AUTO));
        // The relay's certificate names localhost and 127.0.0.1: both pass.
        try (SluiceClient byName =
                new SluiceClient(tls.on(ClientConfig.of("localhost", relay.port()), TlsProvider.AUTO)))
        {
            byName.publish("by-name").close();
        }
    }

    @Test
    void underRequiredMutualTlsAClientWithoutACertificateOrWithAnExpiredOneIsRefused() throws Exception
    {
        start(tls.relay(TlsProvider.AUTO).withClientAuth(tls.caFile, TlsSettings.ClientAuth.REQUIRED));
        healthy = new SluiceClient(client().withTls(ClientTls.trusting(tls.caFile)
            .withCertificate(tls.aliceCertificate, tls.aliceKey)));
        final Subscription subscription = healthy.subscribe("mtls");
        final Publication publication = healthy.publish("mtls");

        final SluiceException missing = refusedWithin(tls.on(client(), TlsProvider.AUTO));
        assertTrue(missing.getMessage().contains("TLS"), missing.getMessage());
        final Path expired = tls.authority.expiredClient("CN=old,O=Sluice tests").write(dir, "old");
        final SluiceException stale = refusedWithin(client().withTls(ClientTls.trusting(tls.caFile)
            .withCertificate(expired, dir.resolve("old.key"))));
        assertTrue(stale.getMessage().contains("TLS"), stale.getMessage());
        awaitFailures(AuthFailure.TLS_HANDSHAKE, 2);

        Traffic.publishNumbered(publication, 1000, 64);
        final OrderCheckingHandler handler = new OrderCheckingHandler();
        while (handler.received < 1000)
        {
            subscription.poll(handler, 1000);
            assertTrue(subscription.isConnected(), subscription.closeReason());
        }
        assertTrue(handler.clean(), handler.toString());
    }

    @Test
    void plainTextOnATlsPortIsAnsweredInPlainTextWithTlsMismatch() throws Exception
    {
        start(tls.relay(TlsProvider.AUTO));
        healthy();
        final SluiceException refused = refusedWithin(client());
        assertEquals(ErrorCode.TLS_MISMATCH, refused.code(), refused.getMessage());
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            peer.send(hello(PUBLISHER, "raw", "", ""));
            final RawPeer.Frame error = peer.readFrame();
            assertEquals(FrameType.ERROR, error.type(), error.toString());
            assertEquals(ErrorCode.TLS_MISMATCH, error.errorCode(), error.toString());
            assertTrue(error.errorText().contains("TLS"), error.errorText());
            peer.assertClosedByRelay();
        }
        awaitFailures(AuthFailure.TLS_MISMATCH, 2);
        healthyStillFlows();
    }

    @Test
    void tlsOnAPlainPortEndsAtOnceAndSaysSo() throws Exception
    {
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
        healthy();
        final SluiceException refused = refusedWithin(tls.on(client(), TlsProvider.AUTO));
        assertTrue(refused.getMessage().contains("plain text"), refused.getMessage());
        awaitFailures(AuthFailure.TLS_MISMATCH, 1);
        healthyStillFlows();
    }

    @Test
    void aRelayRefusesToStartWithAKeyThatIsNotItsCertificatesOrAnExpiredCertificate()
    {
        final Path expired = tls.authority.expiredServer("localhost").write(dir, "expired");
        final IllegalArgumentException old = assertThrows(IllegalArgumentException.class,
            () -> start(TlsSettings.of(expired, dir.resolve("expired.key"))));
        assertTrue(old.getMessage().contains("expired"), old.getMessage());
        final IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
            () -> start(TlsSettings.of(tls.relayCertificate, tls.aliceKey)));
        assertTrue(mismatch.getMessage().contains("does not belong to the certificate"), mismatch.getMessage());
        assertNull(relay);
    }

    // A pair on a TLS connection (or plain when the relay is), connected before the trouble.
    private void healthy() throws SluiceException
    {
        healthy = new SluiceClient(relay.security().tls() ? tls.on(client(), TlsProvider.AUTO) : client());
        healthy.subscribe("healthy");
        healthy.publish("healthy");
    }

    private void healthyStillFlows() throws Exception
    {
        final Subscription subscription = healthy.subscribe("healthy-after");
        final Publication publication = healthy.publish("healthy-after");
        Traffic.publishNumbered(publication, 100, 64);
        final OrderCheckingHandler handler = new OrderCheckingHandler();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (handler.received < 100 && System.nanoTime() < deadline)
        {
            subscription.poll(handler, 100);
        }
        assertEquals(100, handler.received, handler.toString());
    }

    // Refused, and well within the connect timeout: no hang until it.
    private static SluiceException refusedWithin(final ClientConfig config)
    {
        final long start = System.nanoTime();
        final SluiceException refused;
        try (SluiceClient client = new SluiceClient(config))
        {
            refused = assertThrows(SluiceException.class, () -> client.publish("refused"));
        }
        final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs < CONNECT_TIMEOUT_MS, "took " + tookMs + " ms: " + refused.getMessage());
        assertTrue(!refused.getMessage().startsWith("no WELCOME"), refused.getMessage());
        return refused;
    }

    private void awaitFailures(final AuthFailure reason, final long count)
    {
        await(() -> relay.security().metrics().authFailures(reason) >= count,
            () -> reason.label() + " failures: " + relay.security().metrics().authFailures(reason));
    }

    static void await(final BooleanSupplier condition, final java.util.function.Supplier<String> what)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, what.get());
            Thread.onSpinWait();
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }
}
