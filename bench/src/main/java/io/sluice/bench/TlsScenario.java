package io.sluice.bench;

import io.sluice.bench.load.BenchCertificate;
import io.sluice.bench.load.Folders;
import io.sluice.bench.load.Format;
import io.sluice.bench.load.Link;
import io.sluice.bench.load.LoadSpec;
import io.sluice.bench.load.RunResult;
import io.sluice.bench.load.SluiceLink;
import io.sluice.client.ClientTls;
import io.sluice.core.tls.TlsProvider;
import io.sluice.server.Relay;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.security.TlsSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The tls scenario: plain TCP, TLS through the JDK's engine and through OpenSSL, each at 64 B and 1 KiB, with the
 * relay's CPU per message.
 */
final class TlsScenario
{
    /** Payload sizes of the tls scenario. */
    static final int[] SIZES = {64, 1024};

    private final BenchOptions options;
    private final BenchRuns runs;

    TlsScenario(final BenchOptions options, final BenchRuns runs)
    {
        this.options = options;
        this.runs = runs;
    }

    // Plain TCP, TLS through the JDK's engine and through OpenSSL, at each size: the most the relay delivers, and the
    // latency at a fixed rate, each with the CPU the relay's event loops spent per message.
    void tls(final ScenarioResults scenario) throws Exception
    {
        final Path dir = Files.createTempDirectory("sluice-bench-tls-");
        try
        {
            final BenchCertificate certificate = BenchCertificate.create(dir);
            scenario.note(String.format(Locale.ROOT, "throttle, TLS 1.3, a self-signed EC P-256 certificate; the same "
                + "engine on the relay and in the clients; fixed rate %s msg/s; relay CPU: its event loops' CPU time "
                + "over the whole run (connecting, warmup and drain included), per message delivered",
                Format.rate(options.tlsRate())));
            for (final int payload : SIZES)
            {
                final Map<TlsProvider, RunResult> fastest = new LinkedHashMap<>();
                for (final TlsProvider engine : new TlsProvider[] {null, TlsProvider.JDK, TlsProvider.OPENSSL})
                {
                    final String transport = engine == null ? "plain" : "tls-" + engine.configName();
                    if (engine == TlsProvider.OPENSSL && !io.netty.handler.ssl.OpenSsl.isAvailable())
                    {
                        scenario.skip("tls/" + transport, "OpenSSL does not load here: " +
                            io.netty.handler.ssl.OpenSsl.unavailabilityCause());
                        continue;
                    }
                    final UnaryOperator<RelayConfig> secure = config -> engine == null ? config : config.toBuilder()
                        .security(config.security().withTls(TlsSettings.of(certificate.certificate(), certificate.key())
                            .withProvider(engine))).build();
                    final ClientTls clientTls = engine == null ? null :
                        ClientTls.trusting(certificate.certificate()).withProvider(engine);
                    final Function<Relay, Link> link = relay -> new SluiceLink(relay.port(), payload, 1, false,
                        options.classicClient(), clientTls);
                    final String name = "tls/" + transport + " " + payload + "B";
                    final RunResult max = runs.sluice(scenario, name + " max", options.strategy(),
                        tlsLoad(payload, LoadSpec.MAX_RATE), "256MiB", link, 0, secure);
                    runs.sluice(scenario, name + " @" + Format.rate(options.tlsRate()), options.strategy(),
                        tlsLoad(payload, options.tlsRate()), "256MiB", link, 0, secure);
                    if (max != null)
                    {
                        fastest.put(engine, max);
                    }
                }
                final RunResult plain = fastest.get(null);
                for (final TlsProvider engine : new TlsProvider[] {TlsProvider.JDK, TlsProvider.OPENSSL})
                {
                    final RunResult encrypted = fastest.get(engine);
                    if (plain != null && encrypted != null)
                    {
                        scenario.ratio(encrypted, plain, "delivered/s", encrypted.deliveredPerSecond() /
                            plain.deliveredPerSecond());
                    }
                }
            }
        }
        finally
        {
            Folders.delete(dir);
        }
    }

    private LoadSpec tlsLoad(final int payload, final double messagesPerSecond)
    {
        return LoadSpec.steady(payload, messagesPerSecond, options.duration(), 0)
            .withWarmup(BenchOptions.nanos(options.warmup())).withDrain(BenchOptions.nanos(options.drain()));
    }
}
