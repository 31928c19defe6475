package io.sluice.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.core.util.RateLimitedLogger;
import io.sluice.core.tls.TlsProvider;
import io.sluice.server.Relay;
import io.sluice.server.lifecycle.RelayLifecycle;
import io.sluice.server.security.MetricsAccess;
import io.sluice.server.bridge.BridgeSnapshot;
import io.sluice.server.bridge.Bridges;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The relay's HTTP endpoint for monitoring, served by the JDK's {@link HttpServer} on threads of its own (never on
 * a Netty event loop):
 * <ul>
 *     <li>{@code GET /metrics}: every metric in the Prometheus text format 0.0.4 (see {@link MetricNames}).</li>
 *     <li>{@code GET /health}: {@code 200 ready} while the relay accepts connections ({@code 200 degraded} and a line
 *     per bridge whose other system is unreachable), {@code 503 stopping} once {@link #markStopping()} was called
 *     (the relay command calls it as its close begins).</li>
 *     <li>{@code GET /lanes}: the lanes view as JSON (streams, publishers, lanes: state, lag, blame), and
 *     {@code GET /} a live page of it (see {@link LanesPages}).</li>
 * </ul>
 * HTTPS when the relay's TLS settings say so for the metrics port (its certificate follows reloads), and every path
 * but {@code /health} answers {@code 401} without {@code Authorization: Bearer TOKEN} when the relay has a metrics
 * token ({@link MetricsAccess}). Nothing served carries a token, a hash or a certificate's contents.
 * Start it after {@link Relay#start} returned: the relay is bound and accepting by then, so the endpoint reports
 * ready from its first request.
 * <pre>{@code
 * try (Relay relay = Relay.start(config);
 *      PrometheusEndpoint endpoint = PrometheusEndpoint.start(relay, 9440))
 * {
 *     ...
 * }
 * }</pre>
 */
public final class PrometheusEndpoint implements AutoCloseable
{
    /** Content type of the Prometheus text format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Body of {@code /health} while ready. */
    public static final String READY = "ready";
    /** First line of {@code /health} while ready but a bridge is unhealthy; a line per such bridge follows. */
    public static final String DEGRADED = "degraded";
    /** Body of {@code /health} once the relay is stopping. */
    public static final String STOPPING = "stopping";

    private static final Logger LOG = LoggerFactory.getLogger(PrometheusEndpoint.class);
    private static final int HTTP_THREADS = 2;

    private final HttpServer server;
    private final ExecutorService executor;
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics;
    private final RateLimitedLogger warnings = new RateLimitedLogger(LOG, 1);
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean stopping;
    private final RelayLifecycle relayLifecycle;
    private final MetricsAccess access;
    private final Bridges bridges;
    private final LanesPages lanesPages;

    private PrometheusEndpoint(
        final HttpServer server, final ExecutorService executor, final PrometheusMeterRegistry registry,
        final JvmGcMetrics gcMetrics, final RelayLifecycle relayLifecycle, final MetricsAccess access,
        final Bridges bridges, final LanesPages lanesPages)
    {
        this.access = access;
        this.bridges = bridges;
        this.relayLifecycle = relayLifecycle;
        this.lanesPages = lanesPages;
        this.server = server;
        this.executor = executor;
        this.registry = registry;
        this.gcMetrics = gcMetrics;
    }

    /**
     * Serves the relay's metrics on its bind address.
     *
     * @param relay a started relay.
     * @param port TCP port; 0 picks a free one (see {@link #port()}).
     * @return the running endpoint.
     * @throws IllegalStateException when the address cannot be bound.
     */
    public static PrometheusEndpoint start(final Relay relay, final int port)
    {
        return start(relay, relay.config().bindAddress(), port);
    }

    /**
     * Serves the relay's metrics.
     *
     * @param relay a started relay.
     * @param bindAddress address to listen on.
     * @param port TCP port; 0 picks a free one (see {@link #port()}).
     * @return the running endpoint.
     * @throws IllegalStateException when the address cannot be bound.
     */
    public static PrometheusEndpoint start(final Relay relay, final String bindAddress, final int port)
    {
        final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        final String version = Relay.class.getPackage().getImplementationVersion();
        final String address = hostForDisplay(relay.config().bindAddress()) + ":" + relay.port();
        new RelayMeterBinder(relay.metrics(), address, version != null ? version : "dev").bindTo(registry);
        final LanesSampler sampler = new LanesSampler(relay.metrics(), relay.config(), address,
            version != null ? version : "dev", LanesSampler.DEFAULT_INTERVAL);
        registry.getPrometheusRegistry().register(new RelaySnapshotCollector(relay.metrics(), relay.config(), sampler));
        registry.getPrometheusRegistry().register(new BridgeCollector(() -> relay.bridges().snapshots()));
        new SecurityMeterBinder(relay.security().metrics()).bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        final JvmGcMetrics gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);

        final MetricsAccess access = relay.security().metricsAccess();
        final HttpServer server;
        try
        {
            server = access.sslContext() == null ? HttpServer.create(new InetSocketAddress(bindAddress, port), 64) :
                https(new InetSocketAddress(bindAddress, port), access.sslContext());
        }
        catch (final IOException | RuntimeException ex)
        {
            gcMetrics.close();
            registry.close();
            throw new IllegalStateException(
                "cannot serve metrics on " + hostForDisplay(bindAddress) + ":" + port + ": " + ex, ex);
        }
        final ExecutorService executor = Executors.newFixedThreadPool(HTTP_THREADS, new DaemonThreads());
        server.setExecutor(executor);
        final PrometheusEndpoint endpoint = new PrometheusEndpoint(server, executor, registry, gcMetrics,
            relay.lifecycle(), access, relay.bridges(), new LanesPages(sampler));
        server.createContext("/", endpoint::handle);
        server.start();
        LOG.info("metrics on {}://{}:{}/metrics{}, readiness on /health, live view on /",
            access.sslContext() == null ? "http" : "https", hostForDisplay(bindAddress), endpoint.port(),
            access.requiresToken() ? " (token required)" : "");
        return endpoint;
    }

    private static HttpsServer https(final InetSocketAddress address, final SSLContext context) throws IOException
    {
        final HttpsServer server = HttpsServer.create(address, 64);
        server.setHttpsConfigurator(new HttpsConfigurator(context)
        {
            @Override
            public void configure(final HttpsParameters params)
            {
                final SSLParameters parameters = context.getDefaultSSLParameters();
                parameters.setProtocols(TlsProvider.PROTOCOLS);
                params.setSSLParameters(parameters);
            }
        });
        return server;
    }

    /** @return the port the endpoint listens on (the one chosen, when started with 0). */
    public int port()
    {
        return server.getAddress().getPort();
    }

    /** @return the Micrometer registry behind {@code /metrics}, for adding meters of one's own. */
    public PrometheusMeterRegistry registry()
    {
        return registry;
    }

    /** @return the text {@code /metrics} would answer now. */
    public String scrape()
    {
        return registry.scrape();
    }

    /**
     * From now on {@code /health} answers {@code 503 stopping}: call it as the relay's close begins, so that load
     * balancers and supervisors stop sending new clients while the relay closes its connections.
     */
    public void markStopping()
    {
        stopping = true;
    }

    /** @return whether {@link #markStopping()} or {@link #close()} was called. */
    public boolean isStopping()
    {
        return stopping;
    }

    /**
     * Stops serving and releases the registry. Idempotent.
     */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        stopping = true;
        server.stop(0);
        executor.shutdown();
        try
        {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS))
            {
                executor.shutdownNow();
            }
        }
        catch (final InterruptedException ex)
        {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        gcMetrics.close();
        registry.close();
    }

    private void handle(final HttpExchange exchange) throws IOException
    {
        try
        {
            exchange.getRequestBody().readAllBytes();
            final String method = exchange.getRequestMethod();
            final String path = exchange.getRequestURI().getPath();
            final boolean get = "GET".equals(method);
            final boolean head = "HEAD".equals(method);
            if (!"/health".equals(path) && !access.permits(exchange.getRequestHeaders().getFirst("Authorization")))
            {
                // Load balancers probe /health without credentials; everything else may tell more.
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"sluice\"");
                respond(exchange, 401, "text/plain; charset=utf-8", "unauthorized: send Authorization: Bearer TOKEN\n",
                    head);
            }
            else if (!"/metrics".equals(path) && !"/health".equals(path) && !LanesPages.serves(path))
            {
                respond(exchange, 404, "text/plain; charset=utf-8", "not found: try /, /lanes, /metrics or /health\n",
                    head);
            }
            else if (!get && !head)
            {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                respond(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n", false);
            }
            else if ("/health".equals(path))
            {
                exchange.getResponseHeaders().set("Cache-Control", "no-store");
                if (stopping || relayLifecycle.isStopping())
                {
                    respond(exchange, 503, "text/plain; charset=utf-8", STOPPING + "\n", head);
                }
                else
                {
                    respond(exchange, 200, "text/plain; charset=utf-8", readiness(), head);
                }
            }
            else if (!permitted(exchange))
            {
                respond(exchange, 403, "text/plain; charset=utf-8", "forbidden\n", head);
            }
            else if (!"/metrics".equals(path))
            {
                answerLanes(exchange, path, head);
            }
            else
            {
                final String text;
                try
                {
                    text = registry.scrape();
                }
                catch (final RuntimeException ex)
                {
                    warnings.warn("metrics scrape failed", ex);
                    respond(exchange, 500, "text/plain; charset=utf-8", "scrape failed: " + ex + "\n", head);
                    return;
                }
                respond(exchange, 200, CONTENT_TYPE, text, head);
            }
        }
        finally
        {
            exchange.close();
        }
    }

    /**
     * A bridge whose other system is down leaves the relay ready: its stream slows down, spills or drops as configured
     * while every other stream goes on, so the relay stays in rotation; the body names the bridge and why.
     */
    private String readiness()
    {
        final StringBuilder body = new StringBuilder();
        for (final BridgeSnapshot bridge : bridges.snapshots())
        {
            if (!bridge.healthy())
            {
                body.append("bridge ").append(bridge.name()).append(" (").append(bridge.type()).append(", stream ")
                    .append(bridge.stream()).append("): ").append(bridge.problem()).append('\n');
            }
        }
        return (body.length() == 0 ? READY : DEGRADED) + "\n" + body;
    }

    /**
     * The one place that decides who may read what the endpoint shows beyond {@code /health}: {@code /metrics},
     * {@code /lanes} and the page. Everyone may, for now; a token check belongs here.
     */
    private static boolean permitted(final HttpExchange exchange)
    {
        return true;
    }

    private void answerLanes(final HttpExchange exchange, final String path, final boolean head) throws IOException
    {
        final LanesPages.Answer answer;
        try
        {
            answer = lanesPages.answer(path, exchange.getRequestURI().getRawQuery());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            respond(exchange, 503, "text/plain; charset=utf-8", "stopping\n", head);
            return;
        }
        catch (final RuntimeException ex)
        {
            warnings.warn("lanes view failed", ex);
            respond(exchange, 500, "text/plain; charset=utf-8", "lanes view failed: " + ex + "\n", head);
            return;
        }
        exchange.getResponseHeaders().set("Cache-Control", answer.cacheControl());
        respond(exchange, answer.status(), answer.contentType(), answer.body(), head);
    }

    private static void respond(
        final HttpExchange exchange, final int status, final String contentType, final String body,
        final boolean head) throws IOException
    {
        respond(exchange, status, contentType, body.getBytes(StandardCharsets.UTF_8), head);
    }

    private static void respond(
        final HttpExchange exchange, final int status, final String contentType, final byte[] bytes,
        final boolean head) throws IOException
    {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        // The page runs only its own script and styles, reads only this endpoint, and is not to be framed.
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.getResponseHeaders().set("Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
                + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
        exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        if (head)
        {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(bytes);
        }
    }

    /** Brackets an IPv6 literal so that the port after the last ':' stays unambiguous. */
    static String hostForDisplay(final String host)
    {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static final class DaemonThreads implements ThreadFactory
    {
        private static final AtomicInteger COUNT = new AtomicInteger();

        @Override
        public Thread newThread(final Runnable task)
        {
            final Thread thread = new Thread(task, "sluice-metrics-http-" + COUNT.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}
