package io.sluice.server.config;

import io.sluice.server.config.text.PlainYaml;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code on-stuck} and {@code stuck-after}: defaults, inheritance from {@code default-stream}, and errors. */
class StuckSettingsTest
{
    private final ConfigValues values = new ConfigValues("relay.yaml");

    private static Object yaml(final String text)
    {
        return PlainYaml.read(text, "relay.yaml");
    }

    @Test
    void defaultIsEvictAfterThirtySeconds()
    {
        assertEquals(new StuckPolicy(OnStuck.WAIT, 30_000), StreamConfig.DEFAULT.stuck());
        assertEquals(StuckPolicy.DEFAULT, RelayConfig.builder().build().streamConfig("any").stuck());
    }

    @Test
    void aStreamReadsBothKeysAndInheritsWhatItLeavesOut()
    {
        final StreamSectionReader reader = new StreamSectionReader(values);
        final StreamConfig base = StreamConfig.DEFAULT.withStuck(new StuckPolicy(OnStuck.WAIT, 5_000));

        assertEquals(new StuckPolicy(OnStuck.DETACH, 500),
            reader.read(yaml("on-stuck: detach\nstuck-after: 500ms"), "streams.a", base).stuck());
        assertEquals(new StuckPolicy(OnStuck.EVICT, 5_000), reader.read(yaml("on-stuck: evict"), "streams.a", base)
            .stuck());
        assertEquals(new StuckPolicy(OnStuck.WAIT, 2_000), reader.read(yaml("stuck-after: 2s"), "streams.a", base)
            .stuck());
        assertEquals(base.stuck(), reader.read(yaml("strategy: spill"), "streams.a", base).stuck());
    }

    @Test
    void badValuesNameTheKey()
    {
        final StreamSectionReader reader = new StreamSectionReader(values);

        assertEquals("bad value for 'streams.a.on-stuck' in relay.yaml: unknown on-stuck 'kill' (known: wait, evict,"
            + " detach)", assertThrows(IllegalArgumentException.class,
                () -> reader.read(yaml("on-stuck: kill"), "streams.a", StreamConfig.DEFAULT)).getMessage());
        assertEquals("bad value for 'streams.a.stuck-after' in relay.yaml: stuck-after must be positive, was 0 ms",
            assertThrows(IllegalArgumentException.class,
                () -> reader.read(yaml("stuck-after: 0"), "streams.a", StreamConfig.DEFAULT)).getMessage());
    }

    @Test
    void aValueOfTheWrongTypeIsNamedOnce()
    {
        final StreamSectionReader reader = new StreamSectionReader(values);
        final String message = assertThrows(IllegalArgumentException.class,
            () -> reader.read(yaml("on-stuck:\n  kill: now"), "streams.a", StreamConfig.DEFAULT)).getMessage();
        assertTrue(message.startsWith("bad value for 'streams.a.on-stuck' in relay.yaml: expected text"), message);
        assertEquals(message.indexOf("bad value"), message.lastIndexOf("bad value"), message);
    }
}
