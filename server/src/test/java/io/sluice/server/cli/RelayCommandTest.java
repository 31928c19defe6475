package io.sluice.server.cli;

import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.config.Strategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RelayCommandTest
{
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** Runs the command the way main does, minus System.exit, capturing its output. */
    private int execute(final String... args)
    {
        final CommandLine commandLine = new CommandLine(new RelayCommand());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private static RelayConfig configFor(final String... args)
    {
        final RelayCommand command = new RelayCommand();
        new CommandLine(command).parseArgs(args);
        return command.buildConfig();
    }

    private Path file(final String yaml) throws Exception
    {
        return Files.writeString(dir.resolve("relay.yaml"), yaml);
    }

    @Test
    void flagsGivenOverrideTheFileAndTheRestComesFromIt() throws Exception
    {
        final Path file = file("""
            bind: 0.0.0.0
            port: 9000
            io-threads: 3
            max-frame-length: 2MiB
            auth-token: from-file
            default-stream:
              lane-bytes: 1MiB
              lane-runs: 64
            streams:
              prices: {lane-bytes: 8MiB}
            """);

        final RelayConfig config = configFor("--config", file.toString(), "--port", "0", "--lane-bytes", "2MiB",
            "--auth-token", "from-flag", "--strategy", "Throttle");

        assertEquals(0, config.port());
        assertEquals("0.0.0.0", config.bindAddress());
        assertEquals(3, config.ioThreads());
        assertEquals(2 * 1024 * 1024, config.maxFrameLength());
        assertEquals("from-flag", config.authToken());
        assertEquals(new StreamConfig(Strategy.THROTTLE, 2 * 1024 * 1024, 64,
            StreamConfig.DEFAULT_MEMORY_BYTES, StreamConfig.DEFAULT_SPILL_QUOTA_BYTES),
            config.defaultStream());
        assertEquals(new StreamConfig(Strategy.THROTTLE, 8 * 1024 * 1024, 64,
            StreamConfig.DEFAULT_MEMORY_BYTES, StreamConfig.DEFAULT_SPILL_QUOTA_BYTES),
            config.streamConfig("prices"));
    }

    @Test
    void securityFlagsOverrideTheFilesSecuritySettings() throws Exception
    {
        final Path file = file("""
            tls: {cert: file.crt, key: file.key, client-ca: file-ca.crt, client-auth: optional, provider: jdk}
            principals: file-principals.yaml
            max-connections: 100
            """);
        final io.sluice.server.security.SecurityConfig security = configFor("--config", file.toString(),
            "--tls-cert", "flag.crt", "--tls-client-auth", "required", "--principals", "flag-principals.yaml",
            "--max-unauthenticated-connections", "10", "--metrics-tls", "--metrics-token-file", "metrics.token")
            .security();
        assertEquals(Path.of("flag.crt"), security.tls().certificate());
        assertEquals(Path.of("file.key"), security.tls().key());
        assertEquals(Path.of("file-ca.crt"), security.tls().clientCa());
        assertEquals(io.sluice.server.security.TlsSettings.ClientAuth.REQUIRED, security.tls().clientAuth());
        assertEquals(io.sluice.core.tls.TlsProvider.JDK, security.tls().provider());
        assertTrue(security.tls().metrics());
        assertEquals(Path.of("flag-principals.yaml"), security.principalsFile());
        assertEquals(100, security.maxConnections());
        assertEquals(10, security.maxUnauthenticatedConnections());
        assertEquals(Path.of("metrics.token"), security.metricsTokenFile());
        assertEquals(io.sluice.server.security.TlsSettings.of(Path.of("a.crt"), Path.of("a.key"))
            .withProvider(io.sluice.core.tls.TlsProvider.OPENSSL),
            configFor("--tls-cert", "a.crt", "--tls-key", "a.key", "--tls-provider", "OpenSSL").security().tls());
    }

    @Test
    void aTlsFileThatCannotBeReadIsAConfigurationError()
    {
        assertEquals(RelayCommand.EXIT_CONFIG, execute("--port", "0",
            "--tls-cert", dir.resolve("missing.crt").toString(), "--tls-key", dir.resolve("missing.key").toString()));
        assertTrue(err.toString().startsWith("sluice relay: cannot read tls-cert "), err.toString());
        assertEquals(2, execute("--tls-cert", "a.crt"));
        assertTrue(err.toString().contains("tls needs both tls-cert and tls-key"), err.toString());
        assertEquals(2, execute("--tls-client-auth", "sometimes"));
    }

    @Test
    void withoutFileOrFlagsTheDefaultsApply()
    {
        assertEquals(RelayConfig.builder().build(), configFor());
        assertEquals(RelayConfig.builder().bindAddress("::1").port(7450).ioThreads(2).maxFrameLength(64 * 1024).build(),
            configFor("--bind", "::1", "--port", "7450", "--io-threads", "2", "--max-frame-length", "64KiB"));
    }

    @Test
    void configFileErrorExitsWith2AndNamesTheKey() throws Exception
    {
        final Path file = file("streams:\n  prices:\n    strategie: throttle\n");

        assertEquals(2, execute("--config", file.toString(), "--port", "0"));

        assertEquals("sluice relay: unknown key 'streams.prices.strategie' in " + file
            + " (known: strategy, on-full, deadline, sample-every, lane-bytes, lane-runs, memory, spill-quota,"
            + " on-stuck, stuck-after, inactive-after, ack-window, ack-window-bytes)",
            err.toString().strip());
        assertEquals("", out.toString());
    }

    @Test
    void missingConfigFileExitsWith2()
    {
        final Path missing = dir.resolve("nope.yaml");

        assertEquals(2, execute("--config", missing.toString()));

        assertEquals("sluice relay: cannot read config file " + missing + ": no such file", err.toString().strip());
    }

    @Test
    void outOfRangeFlagExitsWith2()
    {
        assertEquals(2, execute("--io-threads", "0", "--port", "0"));

        assertEquals("sluice relay: io-threads must be >= 1, was 0", err.toString().strip());
    }

    @Test
    void badFlagValuesAreUsageErrors()
    {
        assertEquals(2, execute("--lane-bytes", "lots"));
        assertTrue(err.toString().contains("'lots' is not a byte size"), err::toString);

        assertEquals(2, execute("--strategy", "drop"));
        assertTrue(err.toString().contains("unknown strategy 'drop' (known: throttle, buffer, spill, drop-newest,"),
            err::toString);

        assertEquals(2, execute("--on-full", "drop-oldest", "--port", "0"));
        assertTrue(err.toString().contains("on-full drop-oldest needs a memory tier"), err::toString);

        assertEquals(2, execute("--strategy", "drop-oldest", "--deadline", "5ms", "--port", "0"));
        assertTrue(err.toString().contains("--deadline applies only to the deadline policy"), err::toString);

        assertEquals(2, execute("--lane-bytes", "12", "--port", "0"));
        assertTrue(err.toString().contains("sluice relay: bad value: lane-bytes must be at least 1KiB"),
            err::toString);
    }

    @Test
    void dropPolicyFlags()
    {
        final RelayConfig deadline = configFor("--strategy", "deadline", "--deadline", "250us", "--memory", "64KiB");
        assertEquals("deadline", deadline.defaultStream().label());
        assertEquals(250_000L, deadline.defaultStream().onFull().deadlineNanos());

        final RelayConfig spill = configFor("--strategy", "spill", "--on-full", "sample", "--sample-every", "3");
        assertEquals("spill+sample", spill.defaultStream().label());
        assertEquals(3, spill.defaultStream().onFull().sampleEvery());
    }

    @Test
    void streamLimitFlags()
    {
        final RelayConfig config = configFor("--stream-idle-timeout", "2m", "--max-streams", "50");
        assertEquals(120_000, config.streamIdleTimeoutMs());
        assertEquals(50, config.maxStreams());
        assertEquals(2, execute("--max-streams", "0", "--port", "0"));
        assertTrue(err.toString().contains("max-streams must be >= 1"), err::toString);
    }

    @Test
    void streamLoopAffinityFlag() throws Exception
    {
        assertTrue(configFor().streamLoopAffinity(), "on by default");
        assertTrue(configFor("--stream-loop-affinity").streamLoopAffinity());
        assertTrue(configFor("--stream-loop-affinity=true").streamLoopAffinity());
        assertEquals(false, configFor("--stream-loop-affinity=false").streamLoopAffinity());

        final Path file = file("stream-loop-affinity: true\n");
        assertTrue(configFor("--config", file.toString()).streamLoopAffinity());
        assertEquals(
            false, configFor("--config", file.toString(), "--stream-loop-affinity=false").streamLoopAffinity());

        assertEquals(2, execute("--stream-loop-affinity=maybe", "--port", "0"));
        assertTrue(err.toString().contains("--stream-loop-affinity"), err::toString);
    }

    @Test
    void helpShowsStreamLoopAffinity()
    {
        assertEquals(0, execute("--help"));
        assertTrue(out.toString().contains("--stream-loop-affinity[=BOOL]"), out::toString);
    }

    @Test
    void helpDescribesEveryOption()
    {
        assertEquals(0, execute("--help"));

        final String help = out.toString();
        for (final String option : new String[] {"--port=P", "--bind=ADDR", "--config=FILE", "--io-threads=N",
            "--max-frame-length=BYTES", "--strategy=NAME", "--lane-bytes=BYTES", "--auth-token=TOKEN", "--help",
            "--version", "known: throttle", "--on-full=POLICY", "--deadline=DURATION", "--sample-every=N",
            "latest-by-key", "--stream-idle-timeout=D", "--max-streams=N", "Exit codes"})
        {
            assertTrue(help.contains(option), () -> option + " missing from:\n" + help);
        }
    }
}
