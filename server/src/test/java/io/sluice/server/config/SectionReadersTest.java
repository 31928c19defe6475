package io.sluice.server.config;

import io.sluice.core.tls.TlsProvider;
import io.sluice.server.config.text.PlainYaml;
import io.sluice.server.security.SecurityConfig;
import io.sluice.server.security.TlsSettings;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stream, security and bridge section readers, driven with parsed YAML directly. */
class SectionReadersTest
{
    private final ConfigValues values = new ConfigValues("relay.yaml");

    private static Object yaml(final String text)
    {
        return PlainYaml.read(text, "relay.yaml");
    }

    @Test
    void aStreamTakesWhatItLeavesOutFromItsBase()
    {
        final StreamConfig base = new StreamConfig(Strategy.THROTTLE, 1 << 20, 64, StreamConfig.DEFAULT_MEMORY_BYTES,
            StreamConfig.DEFAULT_SPILL_QUOTA_BYTES);
        final StreamSectionReader reader = new StreamSectionReader(values);

        assertEquals(base, reader.read(null, "streams.a", base));
        assertEquals(new StreamConfig(Strategy.THROTTLE, 1 << 20, 16, StreamConfig.DEFAULT_MEMORY_BYTES,
            StreamConfig.DEFAULT_SPILL_QUOTA_BYTES), reader.read(yaml("lane-runs: 16"), "streams.a", base));
        assertEquals("bad value for 'streams.a.lane-runs' in relay.yaml: lane-runs must be a power of two >= 2, was 3",
            assertThrows(IllegalArgumentException.class, () -> reader.read(yaml("lane-runs: 3"), "streams.a", base))
                .getMessage());
    }

    @Test
    void streamsAreReadOverTheDefaultStream()
    {
        final RelayConfig.Builder into = RelayConfig.builder().defaultStream(new StreamConfig(Strategy.THROTTLE,
            2 << 20, 32, StreamConfig.DEFAULT_MEMORY_BYTES, StreamConfig.DEFAULT_SPILL_QUOTA_BYTES));

        new StreamSectionReader(values).readStreams(yaml("prices: {lane-runs: 8}\nquotes:\n"), into);

        final RelayConfig config = into.build();
        assertEquals(8, config.streamConfig("prices").laneRuns());
        assertEquals(2 << 20, config.streamConfig("prices").laneBytes());
        assertEquals(config.defaultStream(), config.streamConfig("quotes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new StreamSectionReader(values)
            .readStreams(yaml("'bad name': {}"), RelayConfig.builder())).getMessage()
            .startsWith("bad stream name 'streams.bad name' in relay.yaml: "));
    }

    @Test
    void readsSecurityKeysOneAtATime()
    {
        final SecuritySectionReader reader = new SecuritySectionReader(values);
        SecurityConfig security = RelayConfig.builder().build().security();

        security = reader.read("max-connections", "10", security);
        security = reader.read("tls", yaml("{cert: a.crt, key: a.key, provider: jdk}"), security);

        assertEquals(10, security.maxConnections());
        assertEquals(new TlsSettings(Path.of("a.crt"), Path.of("a.key"), null, null, TlsProvider.JDK, false),
            security.tls());
        final SecurityConfig before = security;
        assertEquals("bad value for 'max-connections' in relay.yaml: max-connections must be >= 1, was 0",
            assertThrows(IllegalArgumentException.class, () -> reader.read("max-connections", "0", before))
                .getMessage());
    }

    @Test
    void refusesBridgesThatAreNotAList()
    {
        final BridgesSectionReader reader = new BridgesSectionReader(values);
        final RelayConfig.Builder into = RelayConfig.builder();

        reader.read(null, into);
        assertEquals(List.of(), into.build().bridges());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> reader.read(Map.of("type", "x"), into))
            .getMessage().startsWith("bad value for 'bridges' in relay.yaml: expected a list of bridges"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> reader.read(List.of(Map.of(1, "x")), into))
            .getMessage().startsWith("unknown key 'bridges[0].1' in relay.yaml"));
    }
}
