package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.ClientTls;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.tls.TlsProvider;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.security.AuthFailure;
import io.sluice.server.security.InternalAccess;
import io.sluice.server.security.TlsSettings;
import io.sluice.server.security.TokenHash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The relay's own clients (its bridges) on a relay with required mutual TLS and principals: through
 * {@link Relay#internalAccess()} they connect over loopback without a certificate and may use any stream; nobody gets
 * in there without the relay's internal token, and that token opens nothing on the relay's port.
 */
class InternalAccessTest
{
    @TempDir
    Path dir;

    @Test
    void theRelaysOwnClientsGetInOverLoopbackAndNobodyElse() throws Exception
    {
        final TestTls tls = TestTls.get();
        final Path principals = Files.writeString(dir.resolve("principals.yaml"), "principals:\n  alice: {token: " +
            TokenHash.of("alice-token", TokenHash.MIN_ITERATIONS).text() + ", publish: [\"a.>\"]}\n");
        final RelayConfig.Builder builder = RelayConfig.builder().port(0).ioThreads(2);
        try (Relay relay = Relay.start(builder.security(builder.security().withPrincipalsFile(principals)
            .withTls(tls.relay(TlsProvider.AUTO).withClientAuth(tls.caFile, TlsSettings.ClientAuth.REQUIRED))).build()))
        {
            final InternalAccess access = relay.internalAccess();
            assertEquals(access, relay.internalAccess(), "one listener, one token");
            assertFalse(access.toString().contains(access.token()), "the token is not printed");
            try (SluiceClient bridge = new SluiceClient(ClientConfig.of(access.host(), access.port())
                     .withAuthToken(access.token()));
                 SluiceClient stranger = new SluiceClient(ClientConfig.of(access.host(), access.port())
                     .withAuthToken("alice-token"));
                 SluiceClient outside = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())
                     .withTls(ClientTls.trusting(tls.caFile).withCertificate(tls.aliceCertificate, tls.aliceKey))
                     .withAuthToken(access.token())))
            {
                final HealthyPair pair = new HealthyPair(ClientConfig.of(access.host(), access.port())
                    .withAuthToken(access.token()), "any.stream");
                pair.assertFlows(1000);
                pair.close();
                bridge.publish("b.whatever").close();
                final SluiceException refused = assertThrows(SluiceException.class, () -> stranger.publish("a.x"));
                assertEquals(ErrorCode.AUTH_FAILED, refused.code());
                assertEquals(1, relay.security().metrics().authFailures(AuthFailure.NOT_INTERNAL));
                final SluiceException notHere = assertThrows(SluiceException.class, () -> outside.publish("a.x"));
                assertEquals(ErrorCode.AUTH_FAILED, notHere.code());
            }
        }
    }
}
