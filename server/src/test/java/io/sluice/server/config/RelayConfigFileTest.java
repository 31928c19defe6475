package io.sluice.server.config;

import io.sluice.server.config.text.Units;
import io.sluice.server.drop.DropPolicySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RelayConfigFileTest
{
    private static final String FILE = "relay.yaml";

    @TempDir
    Path dir;

    private static RelayConfig parse(final String yaml)
    {
        return RelayConfigFile.parse(yaml, FILE, RelayConfig.builder()).build();
    }

    private static String error(final String yaml)
    {
        return assertThrows(IllegalArgumentException.class, () -> parse(yaml)).getMessage();
    }

    private static void assertContains(final String message, final String... parts)
    {
        for (final String part : parts)
        {
            assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
        }
    }

    @Test
    void readsTheSecurityKeys()
    {
        final RelayConfig config = parse("""
            tls:
              cert: /etc/sluice/relay.crt
              key: /etc/sluice/relay.key
              client-ca: /etc/sluice/clients-ca.crt
              client-auth: optional
              provider: jdk
              metrics: true
            principals: /etc/sluice/principals.yaml
            max-connections: 500
            max-unauthenticated-connections: 50
            reload-check-interval: 30s
            metrics-token-file: /etc/sluice/metrics.token
            """);
        final io.sluice.server.security.SecurityConfig security = config.security();
        assertEquals(Path.of("/etc/sluice/relay.crt"), security.tls().certificate());
        assertEquals(Path.of("/etc/sluice/relay.key"), security.tls().key());
        assertEquals(Path.of("/etc/sluice/clients-ca.crt"), security.tls().clientCa());
        assertEquals(io.sluice.server.security.TlsSettings.ClientAuth.OPTIONAL, security.tls().clientAuth());
        assertEquals(io.sluice.core.tls.TlsProvider.JDK, security.tls().provider());
        assertTrue(security.tls().metrics());
        assertEquals(Path.of("/etc/sluice/principals.yaml"), security.principalsFile());
        assertEquals(500, security.maxConnections());
        assertEquals(50, security.maxUnauthenticatedConnections());
        assertEquals(30_000, security.reloadCheckIntervalMs());
        assertEquals(Path.of("/etc/sluice/metrics.token"), security.metricsTokenFile());
        // A client CA without client-auth means required.
        assertEquals(io.sluice.server.security.TlsSettings.ClientAuth.REQUIRED, parse(
            "tls: {cert: a.crt, key: a.key, client-ca: ca.crt}").security().tls().clientAuth());
    }

    @Test
    void namesTheSecurityKeyAtFault()
    {
        assertEquals("bad value for 'tls.client-auth' in relay.yaml: 'sometimes' is not a client-auth mode (known: "
            + "none, optional, required)",
            error("tls: {cert: a.crt, key: a.key, client-ca: c.crt, client-auth: sometimes}"));
        assertEquals("bad value for 'tls.provider' in relay.yaml: 'boring' is not a TLS provider (known: auto, jdk, "
            + "openssl)", error("tls: {cert: a.crt, key: a.key, provider: boring}"));
        assertContains(error("tls: {cert: a.crt}"), "'tls'", "tls-cert and tls-key");
        assertContains(error("tls: {cert: a.crt, key: a.key, client-auth: required}"), "'tls'", "needs tls-client-ca");
        assertContains(error("tls: {cert: a.crt, key: a.key, ciphers: all}"), "unknown key 'tls.ciphers'");
        assertContains(error("max-connections: 0"), "'max-connections'", "must be >= 1");
        assertContains(error("max-unauthenticated-connections: many"), "'max-unauthenticated-connections'",
            "not a whole number");
        assertContains(error("reload-check-interval: -1s"), "'reload-check-interval'");
    }

    @Test
    void loadsEveryKeyFromAFile() throws Exception
    {
        final Path file = dir.resolve("relay.yaml");
        Files.writeString(file, """
            # every key, with a mix of units
            bind: 0.0.0.0
            port: 7441
            io-threads: 3
            max-frame-length: 2MiB
            hello-timeout: 3s
            heartbeat-interval: 500ms
            heartbeat-timeout: 1m
            low-water-mark: 64KiB
            high-water-mark: 128kib
            max-read-bytes: 32KB
            max-reads-per-loop: 8
            auth-token: "s3cret"
            default-stream:
              strategy: throttle
              lane-bytes: 1MiB
              lane-runs: 128
            streams:
              prices:
                strategy: THROTTLE
                lane-bytes: 8MiB
                lane-runs: 1024
            """);

        final RelayConfig config = RelayConfigFile.load(file, RelayConfig.builder()).build();

        assertAll(
            () -> assertEquals("0.0.0.0", config.bindAddress()),
            () -> assertEquals(7441, config.port()),
            () -> assertEquals(3, config.ioThreads()),
            () -> assertEquals(2 * 1024 * 1024, config.maxFrameLength()),
            () -> assertEquals(3_000, config.helloTimeoutMs()),
            () -> assertEquals(500, config.heartbeatIntervalMs()),
            () -> assertEquals(60_000, config.heartbeatTimeoutMs()),
            () -> assertEquals(64 * 1024, config.lowWaterMark()),
            () -> assertEquals(128 * 1024, config.highWaterMark()),
            () -> assertEquals(32_000, config.maxReadBytes()),
            () -> assertEquals(8, config.maxReadsPerLoop()),
            () -> assertEquals("s3cret", config.authToken()),
            () -> assertEquals(new StreamConfig(Strategy.THROTTLE, 1024 * 1024, 128,
                StreamConfig.DEFAULT_MEMORY_BYTES, StreamConfig.DEFAULT_SPILL_QUOTA_BYTES),
                config.defaultStream()),
            () -> assertEquals(new StreamConfig(Strategy.THROTTLE, 8 * 1024 * 1024, 1024,
                StreamConfig.DEFAULT_MEMORY_BYTES, StreamConfig.DEFAULT_SPILL_QUOTA_BYTES),
                config.streamConfig("prices")),
            () -> assertEquals(config.defaultStream(), config.streamConfig("unlisted")));
    }

    @Test
    void readsDropPolicies()
    {
        final RelayConfig config = parse("""
            default-stream:
              strategy: drop-oldest
            streams:
              quotes:
                strategy: deadline
                deadline: 250us
              sensors:
                strategy: sample
                sample-every: 4
              telemetry:
                strategy: spill
                on-full: drop-newest
            """);
        assertAll(
            () -> assertEquals(Strategy.BUFFER, config.defaultStream().strategy()),
            () -> assertEquals(DropPolicySpec.of("drop-oldest"), config.defaultStream().onFull()),
            () -> assertEquals("drop-oldest", config.defaultStream().label()),
            () -> assertEquals(250_000L, config.streamConfig("quotes").onFull().deadlineNanos()),
            () -> assertEquals(4, config.streamConfig("sensors").onFull().sampleEvery()),
            () -> assertEquals(Strategy.SPILL, config.streamConfig("telemetry").strategy()),
            () -> assertEquals("spill+drop-newest", config.streamConfig("telemetry").label()),
            () -> assertEquals(
                DropPolicySpec.THROTTLE, parse("default-stream: {strategy: spill}").defaultStream().onFull()));
    }

    @Test
    void readsDeadLetterAndSubscriberBufferSettings()
    {
        final RelayConfig config = parse("""
            dead-letter-dir: /var/lib/sluice/dead
            dead-letter-quota: 2GiB
            subscriber-send-buffer: 16KiB
            """);
        assertEquals(java.nio.file.Path.of("/var/lib/sluice/dead"), config.deadLetterDirectory());
        assertEquals(2L << 30, config.deadLetterQuotaBytes());
        assertEquals(16 * 1024, config.subscriberSendBufferBytes());
        assertEquals(0, parse("port: 1").deadLetterQuotaBytes(), "dead letters are off by default");
        assertContains(error("dead-letter-quota: 10KiB"), "dead-letter-quota must be 0 (off) or at least 1MiB");
    }

    @Test
    void readsStreamLimits()
    {
        final RelayConfig config = parse("stream-idle-timeout: 30s\nmax-streams: 500\n");
        assertEquals(30_000, config.streamIdleTimeoutMs());
        assertEquals(500, config.maxStreams());
        assertEquals(RelayConfig.DEFAULT_STREAM_IDLE_TIMEOUT_MS, parse("port: 1").streamIdleTimeoutMs());
        assertEquals(5 * 60 * 1000, RelayConfig.DEFAULT_STREAM_IDLE_TIMEOUT_MS);
        assertEquals(RelayConfig.DEFAULT_MAX_STREAMS, parse("port: 1").maxStreams());
        assertContains(error("stream-idle-timeout: 0"), "bad value for 'stream-idle-timeout'", "must be positive");
        assertContains(error("max-streams: 0"), "bad value for 'max-streams'", "max-streams must be >= 1");
    }

    @Test
    void namesWhatIsWrongWithADropPolicy()
    {
        assertContains(error("default-stream: {on-full: drop-oldest}"),
            "'default-stream.on-full'", "needs a memory tier", "strategy buffer or spill");
        assertContains(error("default-stream: {strategy: buffer, on-full: drop-sideways}"),
            "'default-stream.on-full'", "unknown on-full policy 'drop-sideways'", "drop-newest, drop-oldest");
        assertContains(error("default-stream: {strategy: drop-oldest, deadline: 5ms}"),
            "'default-stream.deadline'", "only to the deadline policy");
        assertContains(error("default-stream: {strategy: deadline, deadline: soon}"),
            "'default-stream.deadline'", "not a duration");
        assertContains(error("default-stream: {strategy: sample, sample-every: 1}"),
            "'default-stream.sample-every'", "at least 2");
        assertContains(error("default-stream: {strategy: drop-everything}"),
            "'default-stream.strategy'", "unknown strategy 'drop-everything'", "latest-by-key");
        assertContains(error("default-stream: {strategy: buffer, on-full: java.lang.String}"),
            "does not implement io.sluice.server.drop.DropPolicy");
    }

    @Test
    void parsesUnits()
    {
        assertAll(
            () -> assertEquals(1_048_576, Units.parseBytes("1048576")),
            () -> assertEquals(8L << 20, Units.parseBytes("8MiB")),
            () -> assertEquals(64L << 10, Units.parseBytes("64 kib")),
            () -> assertEquals(3L << 30, Units.parseBytes("3GIB")),
            () -> assertEquals(512, Units.parseBytes("512B")),
            () -> assertEquals(2_000, Units.parseBytes("2KB")),
            () -> assertEquals(5_000_000, Units.parseBytes("5mb")),
            () -> assertEquals(1_000_000_000, Units.parseBytes("1GB")),
            () -> assertEquals(750, Units.parseMillis("750")),
            () -> assertEquals(500, Units.parseMillis("500ms")),
            () -> assertEquals(5_000, Units.parseMillis(" 5s ")),
            () -> assertEquals(120_000, Units.parseMillis("2M")),
            () -> assertEquals("8 MiB", Units.formatBytes(8L << 20)),
            () -> assertEquals("1536 KiB", Units.formatBytes(1536L << 10)),
            () -> assertEquals("2 GiB", Units.formatBytes(2L << 30)),
            () -> assertEquals("1000 B", Units.formatBytes(1000)),
            () -> assertEquals("0 B", Units.formatBytes(0)),
            () -> assertEquals(1536L << 10, Units.parseBytes(Units.formatBytes(1536L << 10))));

        assertEquals("'8 MeB' is not a byte size (e.g. 8MiB, 64KiB, 1048576)",
            assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("8 MeB")).getMessage());
        assertEquals("'fast' is not a duration (e.g. 500ms, 5s)",
            assertThrows(IllegalArgumentException.class, () -> Units.parseMillis("fast")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("-1"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("1.5MiB"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseBytes(""));
        assertContains(
            assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("99999999999GiB")).getMessage(),
            "too large");
        assertContains(error("max-frame-length: 4GiB"), "bad value for 'max-frame-length' in relay.yaml", "too large");
    }

    @Test
    void namesAnUnknownTopLevelKey()
    {
        assertEquals("unknown key 'prot' in relay.yaml (known: bind, port, io-threads, max-frame-length, "
            + "hello-timeout, heartbeat-interval, heartbeat-timeout, low-water-mark, high-water-mark, max-read-bytes, "
            + "max-reads-per-loop, auth-token, spill-dir, shutdown-grace, dead-letter-dir, dead-letter-quota, "
            + "subscriber-send-buffer, stream-idle-timeout, max-streams, stream-loop-affinity, max-connections, "
            + "max-unauthenticated-connections, tls, principals, reload-check-interval, metrics-token-file, "
            + "default-stream, "
            + "streams, bridges)",
            error("prot: 7440"));
    }

    @Test
    void readsStreamLoopAffinity()
    {
        assertTrue(parse("stream-loop-affinity: true").streamLoopAffinity());
        assertTrue(parse("stream-loop-affinity: TRUE").streamLoopAffinity());
        assertEquals(false, parse("stream-loop-affinity: false").streamLoopAffinity());
        assertTrue(parse("port: 7440").streamLoopAffinity());
        assertEquals(false, RelayConfigFile.parse("stream-loop-affinity: false", FILE,
            RelayConfig.builder().streamLoopAffinity(true)).build().streamLoopAffinity());
        assertEquals("bad value for 'stream-loop-affinity' in relay.yaml: 'yes' is not true or false",
            error("stream-loop-affinity: yes"));
        assertContains(error("stream-loop-affinity:"), "'stream-loop-affinity'", "no value given");
    }

    @Test
    void namesAnUnknownKeyUnderAStream()
    {
        assertEquals("unknown key 'streams.prices.strategie' in relay.yaml (known: strategy, on-full, deadline, "
            + "sample-every, lane-bytes, lane-runs, memory, spill-quota, on-stuck, stuck-after, inactive-after, "
            + "ack-window, ack-window-bytes)",
            error("""
                streams:
                  prices:
                    strategie: throttle
                """));
        assertEquals("unknown key 'default-stream.lanes' in relay.yaml (known: strategy, on-full, deadline, "
            + "sample-every, lane-bytes, lane-runs, memory, spill-quota, on-stuck, stuck-after, inactive-after, "
            + "ack-window, ack-window-bytes)",
            error("""
                default-stream:
                  lanes: 4
                """));
    }

    @Test
    void namesAKeyWithABadValue()
    {
        assertEquals("bad value for 'heartbeat-interval' in relay.yaml: 'fast' is not a duration (e.g. 500ms, 5s)",
            error("heartbeat-interval: fast"));
        assertEquals("bad value for 'streams.prices.lane-bytes' in relay.yaml: 'lots' is not a byte size "
            + "(e.g. 8MiB, 64KiB, 1048576)", error("""
                streams:
                  prices:
                    lane-bytes: lots
                """));
        assertContains(error("default-stream: {strategy: drop}"),
            "bad value for 'default-stream.strategy' in relay.yaml", "unknown strategy 'drop'", "known: throttle");
        assertContains(error("port: seven"), "bad value for 'port' in relay.yaml: 'seven' is not a whole number");
        assertContains(error("io-threads: 1.5"), "bad value for 'io-threads'", "'1.5' is not a whole number");
        assertContains(error("hello-timeout:"), "bad value for 'hello-timeout' in relay.yaml: no value given");
        assertContains(error("max-read-bytes: [1, 2]"), "bad value for 'max-read-bytes'", "found a list");
        assertContains(error("auth-token: {a: b}"), "bad value for 'auth-token'", "expected text, found a mapping");
        assertContains(error("streams: [prices]"), "bad value for 'streams'", "expected a mapping");
        assertContains(error("streams: {\"a b\": {}}"), "bad stream name 'streams.a b' in relay.yaml", "character ' '");
        assertContains(error("- port: 1"), "relay.yaml must hold a mapping of settings", "found a list");
    }

    @Test
    void namesAKeyWhoseValueIsOutOfRange()
    {
        // Default low-water mark is 32KiB.
        assertEquals("bad value for 'high-water-mark' in relay.yaml: need 0 < low-water-mark (32768) <= "
            + "high-water-mark (16384)", error("high-water-mark: 16KiB"));
        assertContains(error("heartbeat-timeout: 500ms"), "bad value for 'heartbeat-timeout' in relay.yaml",
            "must exceed heartbeat-interval");
        assertContains(error("port: 70000"), "bad value for 'port' in relay.yaml: port must be 0..65535, was 70000");
        assertContains(error("io-threads: 0"), "bad value for 'io-threads' in relay.yaml: io-threads must be >= 1");
        assertEquals("bad value for 'streams.prices.lane-runs' in relay.yaml: lane-runs must be a power of two >= 2, "
            + "was 3", error("streams: {prices: {lane-runs: 3}}"));
        assertContains(error("default-stream: {lane-bytes: 10}"),
            "bad value for 'default-stream.lane-bytes' in relay.yaml", "at least 1KiB");
    }

    @Test
    void streamTakesUnsetFieldsFromDefaultStream()
    {
        // streams comes before default-stream on purpose: inheritance must not depend on order in the file.
        final RelayConfig config = parse("""
            streams:
              prices:
                lane-runs: 16
              quotes:
            default-stream:
              lane-bytes: 1MiB
              lane-runs: 64
            """);

        assertEquals(new StreamConfig(Strategy.THROTTLE, 1024 * 1024, 64,
            StreamConfig.DEFAULT_MEMORY_BYTES, StreamConfig.DEFAULT_SPILL_QUOTA_BYTES),
            config.defaultStream());
        assertEquals(new StreamConfig(Strategy.THROTTLE, 1024 * 1024, 16,
            StreamConfig.DEFAULT_MEMORY_BYTES, StreamConfig.DEFAULT_SPILL_QUOTA_BYTES),
            config.streamConfig("prices"));
        assertEquals(config.defaultStream(), config.streamConfig("quotes"));
    }

    @Test
    void keysLeftOutKeepTheBuildersValues()
    {
        final RelayConfig.Builder into = RelayConfig.builder().port(9000).waterMarks(8 * 1024, 16 * 1024);

        final RelayConfig config = RelayConfigFile.parse("high-water-mark: 1MiB", FILE, into).build();

        assertEquals(9000, config.port());
        assertEquals(8 * 1024, config.lowWaterMark());
        assertEquals(1024 * 1024, config.highWaterMark());
        assertEquals(RelayConfig.builder().port(9000).build(),
            RelayConfigFile.parse("# nothing but a comment\n", FILE, RelayConfig.builder().port(9000)).build());
    }

    @Test
    void readsValuesAsWrittenNotAsYaml11Types()
    {
        assertEquals("0123", parse("auth-token: 0123").authToken());
        assertEquals("yes", parse("auth-token: yes").authToken());
        assertEquals("1e3", parse("auth-token: 1e3").authToken());
        assertEquals(8, parse("io-threads: !!int 8").ioThreads());
        assertContains(error("hello-timeout: 5:00"), "bad value for 'hello-timeout'", "'5:00' is not a duration");
        assertContains(error("io-threads: yes"), "bad value for 'io-threads'", "'yes' is not a whole number");
        assertContains(error("port: 0x1F"), "bad value for 'port'", "'0x1F' is not a whole number");
        assertContains(error("port: null"), "bad value for 'port'", "no value given");
    }

    @Test
    void sharesSettingsThroughAnchorsAndMerge()
    {
        final RelayConfig config = parse("""
            default-stream: &big {lane-bytes: 4MiB, lane-runs: 512}
            streams:
              prices: {<<: *big, lane-runs: 64}
            """);

        assertEquals(new StreamConfig(Strategy.THROTTLE, 4L << 20, 64,
            StreamConfig.DEFAULT_MEMORY_BYTES, StreamConfig.DEFAULT_SPILL_QUOTA_BYTES),
            config.streamConfig("prices"));
    }

    @Test
    void refusesMalformedOrUnsafeYaml() throws Exception
    {
        assertContains(error("port: 1\nport: 2\n"), "cannot parse relay.yaml at line 2", "duplicate key port");
        assertContains(error("port: [1\n"), "cannot parse relay.yaml at line");
        assertContains(error("port: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[]]]"),
            "cannot parse relay.yaml");

        final Path missing = dir.resolve("missing.yaml");
        assertContains(assertThrows(IllegalArgumentException.class,
            () -> RelayConfigFile.load(missing, RelayConfig.builder())).getMessage(),
            "cannot read config file " + missing + ": no such file");
    }
}
