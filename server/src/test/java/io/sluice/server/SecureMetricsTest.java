package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.core.tls.TlsProvider;
import io.sluice.server.cli.TopCommand;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.metrics.MetricNames;
import io.sluice.server.metrics.PrometheusEndpoint;
import io.sluice.server.security.TokenHash;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The metrics port of a relay with TLS, principals and a metrics token, over real sockets: HTTPS with the relay's
 * certificate, 401 without the token on every path but /health, the token read again on reload, nothing served that
 * gives a token, a hash or a certificate away; and {@code sluice top} reading it with {@code --tls-trust} and
 * {@code --metrics-token-file}.
 */
class SecureMetricsTest
{
    private static final String RELAY_TOKEN = "relay-s3cret";
    private static final String ALICE_TOKEN = "alice-s3cret";

    @TempDir
    Path dir;

    private final TestTls tls = TestTls.get();
    private Relay relay;
    private PrometheusEndpoint endpoint;
    private Path tokenFile;
    private String aliceHash;
    private HttpClient https;

    @BeforeEach
    void start() throws Exception
    {
        tokenFile = Files.writeString(dir.resolve("metrics.token"), "scrape-me\n");
        aliceHash = TokenHash.of(ALICE_TOKEN, TokenHash.MIN_ITERATIONS).text();
        final Path principals = Files.writeString(dir.resolve("principals.yaml"),
            "principals:\n  alice: {token: " + aliceHash + ", publish: [\">\"]}\n");
        final RelayConfig.Builder builder = RelayConfig.builder().port(0).ioThreads(2).authToken(RELAY_TOKEN);
        relay = Relay.start(builder.security(builder.security().withTls(tls.relay(TlsProvider.AUTO).withMetrics(true))
            .withPrincipalsFile(principals).withMetricsTokenFile(tokenFile).withReloadCheckIntervalMs(0)).build());
        endpoint = PrometheusEndpoint.start(relay, 0);
        final KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", tls.authority.certificate());
        final TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(trust);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        https = HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop()
    {
        if (endpoint != null)
        {
            endpoint.close();
        }
        if (relay != null)
        {
            relay.close();
        }
    }

    private HttpResponse<String> get(final String path, final String token) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(
            URI.create("https://localhost:" + endpoint.port() + path)).timeout(Duration.ofSeconds(10));
        if (token != null)
        {
            request.header("Authorization", "Bearer " + token);
        }
        return https.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyPathButHealthWantsTheTokenOverHttps() throws Exception
    {
        final HttpResponse<String> none = get("/metrics", null);
        assertEquals(401, none.statusCode());
        assertEquals("Bearer realm=\"sluice\"", none.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals(401, get("/metrics", "scrape-you").statusCode());
        assertEquals(401, get("/elsewhere", null).statusCode());
        assertEquals(200, get("/metrics", "scrape-me").statusCode());
        final HttpResponse<String> health = get("/health", null);
        assertEquals(200, health.statusCode());
        assertEquals(PrometheusEndpoint.READY + "\n", health.body());
        // Plain HTTP to the HTTPS port gets nothing.
        assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + endpoint.port() + "/health")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void aReloadedTokenFileTakesOverAtOnce() throws Exception
    {
        Files.writeString(tokenFile, "scrape-me-now\n");
        assertTrue(relay.security().reload());
        assertEquals(401, get("/metrics", "scrape-me").statusCode());
        assertEquals(200, get("/metrics", "scrape-me-now").statusCode());
    }

    @Test
    void theMetricsGiveNoSecretAway() throws Exception
    {
        try (SluiceClient alice = new SluiceClient(tls.on(ClientConfig.of("127.0.0.1", relay.port()), TlsProvider.AUTO)
                 .withAuthToken(ALICE_TOKEN));
             SluiceClient wrong = new SluiceClient(tls.on(ClientConfig.of("127.0.0.1", relay.port()), TlsProvider.AUTO)
                 .withAuthToken("guess")))
        {
            alice.publish("secrets").close();
            assertThrows(SluiceException.class, () -> wrong.publish("secrets"));
        }
        final String body = get("/metrics", "scrape-me").body();
        assertTrue(body.contains(MetricNames.AUTH_FAILURES + "{reason=\"unknown-token\"} 1.0"), body);
        assertTrue(body.contains(MetricNames.TLS_CERTIFICATE_EXPIRY), body);
        for (final String secret : new String[] {RELAY_TOKEN, ALICE_TOKEN, "scrape-me", "pbkdf2",
            aliceHash.split(":")[3], "BEGIN", "PRIVATE"})
        {
            assertFalse(body.contains(secret), "/metrics shows '" + secret + "'");
        }
    }

    @Test
    void topReadsTheHttpsPortWithTheToken() throws Exception
    {
        final String[] args = {"--host", "localhost", "--metrics-port", Integer.toString(endpoint.port()),
            "--interval", "100ms", "--once", "--tls-trust", tls.caFile.toString()};
        final StringWriter err = new StringWriter();
        final int refused = new CommandLine(new TopCommand()).setOut(new PrintWriter(new StringWriter()))
            .setErr(new PrintWriter(err)).execute(args);
        assertEquals(1, refused);
        assertTrue(err.toString().contains("wants a token: give it with --metrics-token-file"), err.toString());

        final StringWriter out = new StringWriter();
        final String[] withToken = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
            java.util.stream.Stream.of("--metrics-token-file", tokenFile.toString())).toArray(String[]::new);
        final int shown = new CommandLine(new TopCommand()).setOut(new PrintWriter(out))
            .setErr(new PrintWriter(new StringWriter())).execute(withToken);
        assertEquals(0, shown, out.toString());
        assertTrue(out.toString().startsWith("sluice relay 127.0.0.1:" + relay.port()), out.toString());
    }
}
