package io.sluice.server.cli;

import io.sluice.core.tls.Pem;
import io.sluice.server.config.text.PlainYaml;
import io.sluice.server.config.text.Units;
import io.sluice.server.metrics.MetricNames;
import io.sluice.server.metrics.PrometheusText;
import io.sluice.server.metrics.TopScreen;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.time.Duration;
import java.time.LocalTime;
import java.util.concurrent.Callable;

/**
 * {@code sluice top}: a live terminal view of a running relay, from its Prometheus endpoint
 * ({@code sluice relay --metrics-port P}). It scrapes {@code /metrics} every interval and shows one row per stream
 * and one per subscriber, largest lag first: message rates in and out, each lane's state, what waits and how long,
 * how full each lane is, what was spilled or dropped, how much of the interval the stream's publishers spent
 * throttled and which lane held them, and connections. {@code --once}
 * prints a single frame without terminal control codes, for scripts. {@code --tls-trust} reads a metrics port that
 * serves HTTPS; {@code --metrics-token-file} (or {@code SLUICE_METRICS_TOKEN}) one that wants a token.
 */
@Command(name = "top", mixinStandardHelpOptions = true, versionProvider = RelayCommand.Version.class,
    sortOptions = false, usageHelpAutoWidth = true,
    description = {
        "Shows a running relay's streams and subscribers, refreshed every interval, from its metrics endpoint "
            + "(start the relay with --metrics-port P).",
        "Rates are per second over the last interval. Streams and their subscribers come largest LAG first (the age of "
            + "the oldest waiting message). THROTTLED is the share of the interval a stream's publishers spent paused; "
            + "on a subscriber's row, the share its lane held them: the blame."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:--once printed its frame, or help or version shown",
        "1:the metrics endpoint cannot be reached or is not a relay's",
        "2:bad command line"})
public final class TopCommand implements Callable<Integer>
{
    /** Exit code when the endpoint cannot be reached. */
    static final int EXIT_UNREACHABLE = 1;

    private static final String CLEAR_AND_HOME = "\033[H\033[2J";
    /** The environment variable holding the metrics port's token when no --metrics-token-file is given. */
    static final String METRICS_TOKEN_ENV = "SLUICE_METRICS_TOKEN";
    /** Exit code for a usage error. */
    static final int EXIT_USAGE = 2;

    @Spec
    private CommandSpec spec;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "H",
        description = "Host of the relay's metrics endpoint (default: ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--metrics-port", required = true, paramLabel = "P",
        description = "Port of the relay's metrics endpoint, as given to 'sluice relay --metrics-port'.")
    private int metricsPort;

    @Option(names = "--tls-trust", paramLabel = "FILE",
        description = "The metrics port serves HTTPS (relay --metrics-tls): trust the certificate authorities in FILE "
            + "(PEM) to sign its certificate, which must name --host.")
    private Path tlsTrust;

    @Option(names = "--metrics-token-file", paramLabel = "FILE",
        description = "Send the token in FILE to a metrics port that wants one (relay --metrics-token-file). "
            + "Default: the " + METRICS_TOKEN_ENV + " environment variable if set.")
    private Path metricsTokenFile;

    @Option(names = "--interval", defaultValue = "1s", paramLabel = "D", converter = Interval.class,
        description = "Time between refreshes, e.g. 500ms, 2s (default: ${DEFAULT-VALUE}).")
    private long intervalMs;

    @Option(names = "--once",
        description = "Print one frame (rates over one interval) without terminal control codes, then exit.")
    private boolean once;

    /**
     * Runs the command and exits with its code.
     *
     * @param args command-line arguments.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new TopCommand()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final URI uri = URI.create(
            (tlsTrust == null ? "http" : "https") + "://" + hostForUrl(host) + ":" + metricsPort + "/metrics");
        final HttpClient http;
        final String token;
        try
        {
            final HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3));
            if (tlsTrust != null)
            {
                builder.sslContext(trusting(tlsTrust));
            }
            http = builder.build();
            token = metricsTokenFile != null ?
                PlainYaml.readText(metricsTokenFile, "--metrics-token-file").replaceAll("[\r\n]+$", "") :
                System.getenv(METRICS_TOKEN_ENV);
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("sluice top: " + ex.getMessage());
            err.flush();
            return EXIT_USAGE;
        }
        final HttpRequest request = request(uri, token);
        final String source = "metrics " + uri;

        TopScreen.Scrape previous;
        try
        {
            previous = scrape(http, request);
            if (once)
            {
                Thread.sleep(intervalMs);
                final TopScreen.Scrape current = scrape(http, request);
                out.print(TopScreen.render(previous, current, source));
                out.flush();
                return 0;
            }
            out.print(CLEAR_AND_HOME + TopScreen.render(null, previous, source));
            out.flush();
            while (!Thread.currentThread().isInterrupted())
            {
                Thread.sleep(intervalMs);
                final TopScreen.Scrape current = scrape(http, request);
                out.print(CLEAR_AND_HOME + TopScreen.render(previous, current, source));
                out.flush();
                previous = current;
            }
            return 0;
        }
        catch (final Unreachable ex)
        {
            err.println("sluice top: " + ex.getMessage());
            err.flush();
            return EXIT_UNREACHABLE;
        }
    }

    private static HttpRequest request(final URI uri, final String token)
    {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET();
        if (token != null && !token.isEmpty())
        {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder.build();
    }

    private static SSLContext trusting(final Path trustFile)
    {
        final List<X509Certificate> authorities = Pem.certificates(trustFile, "--tls-trust");
        try
        {
            final KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < authorities.size(); i++)
            {
                store.setCertificateEntry("ca-" + i, authorities.get(i));
            }
            final TrustManagerFactory trust =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        }
        catch (final GeneralSecurityException | IOException ex)
        {
            throw new IllegalArgumentException("cannot trust --tls-trust " + trustFile + ": " + ex.getMessage(), ex);
        }
    }

    private static TopScreen.Scrape scrape(final HttpClient http, final HttpRequest request)
        throws Unreachable, InterruptedException
    {
        final URI uri = request.uri();
        final HttpResponse<String> response;
        try
        {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new Unreachable("cannot reach " + uri + ": " + describe(ex)
                + " (is the relay running with --metrics-port?)");
        }
        if (response.statusCode() == 401)
        {
            throw new Unreachable(
                uri + " wants a token: give it with --metrics-token-file FILE or " + METRICS_TOKEN_ENV);
        }
        if (response.statusCode() != 200)
        {
            throw new Unreachable(uri + " answered HTTP " + response.statusCode() + ", not the relay's metrics");
        }
        final PrometheusText text;
        try
        {
            text = PrometheusText.parse(response.body());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new Unreachable(uri + " did not answer in the Prometheus text format: " + ex.getMessage());
        }
        if (!text.has(MetricNames.RELAY_INFO))
        {
            throw new Unreachable(
                uri + " has no " + MetricNames.RELAY_INFO + ": it is not a Sluice relay's metrics endpoint");
        }
        return new TopScreen.Scrape(text, System.nanoTime(), LocalTime.now());
    }

    private static String describe(final Throwable ex)
    {
        Throwable cause = ex;
        while (cause.getCause() != null && cause.getMessage() == null)
        {
            cause = cause.getCause();
        }
        if (ex instanceof HttpConnectTimeoutException)
        {
            return "timed out connecting";
        }
        if (ex instanceof HttpTimeoutException)
        {
            return "no answer in time";
        }
        if (cause instanceof ConnectException || ex instanceof ConnectException)
        {
            return "connection refused";
        }
        if (cause instanceof UnresolvedAddressException)
        {
            return "unknown host";
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    private static String hostForUrl(final String host)
    {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** The endpoint could not be reached or did not answer as a relay's. */
    private static final class Unreachable extends Exception
    {
        private static final long serialVersionUID = 1L;

        Unreachable(final String message)
        {
            super(message, null, false, false);
        }
    }

    /** Durations with units (500ms, 2s), as milliseconds; at least 1 ms. */
    static final class Interval implements ITypeConverter<Long>
    {
        @Override
        public Long convert(final String value)
        {
            final long ms;
            try
            {
                ms = Units.parseMillis(value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new TypeConversionException(ex.getMessage());
            }
            if (ms <= 0)
            {
                throw new TypeConversionException("'" + value + "' is not a positive duration");
            }
            return ms;
        }
    }
}
