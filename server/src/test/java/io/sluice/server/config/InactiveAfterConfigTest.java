package io.sluice.server.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code inactive-after}: its parser, and per stream and in default-stream in the config file. */
class InactiveAfterConfigTest
{
    @Test
    void parsesNeverAndDurationsUpToDays()
    {
        assertEquals(InactiveAfter.NEVER, InactiveAfter.parseMillis("never"));
        assertEquals(InactiveAfter.NEVER, InactiveAfter.parseMillis("0"));
        assertEquals(2_000, InactiveAfter.parseMillis("2s"));
        assertEquals(1_500, InactiveAfter.parseMillis("1500"));
        assertEquals(12 * 3_600_000L, InactiveAfter.parseMillis("12h"));
        assertEquals(7 * 86_400_000L, InactiveAfter.parseMillis("7d"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> InactiveAfter.parseMillis("7w")).getMessage()
            .contains("is not a duration"));
        assertThrows(IllegalArgumentException.class, () -> InactiveAfter.parseMillis("-1s"));
    }

    @Test
    void defaultsToNeverAndIsReadPerStreamAndInDefaultStream()
    {
        assertEquals(InactiveAfter.NEVER, StreamConfig.DEFAULT.inactiveAfterMs());
        final RelayConfig config = RelayConfigFile.parse("""
            default-stream:
              inactive-after: 7d
            streams:
              prices:
                strategy: spill
                inactive-after: 2s
              orders:
                inactive-after: never
            """, "relay.yaml", RelayConfig.builder()).build();
        assertEquals(7 * 86_400_000L, config.defaultStream().inactiveAfterMs());
        assertEquals(2_000, config.streamConfig("prices").inactiveAfterMs());
        assertEquals(InactiveAfter.NEVER, config.streamConfig("orders").inactiveAfterMs());
        assertEquals(7 * 86_400_000L, config.streamConfig("other").inactiveAfterMs());
        final String error = assertThrows(IllegalArgumentException.class, () -> RelayConfigFile.parse("""
            streams:
              prices:
                inactive-after: soon
            """, "relay.yaml", RelayConfig.builder())).getMessage();
        assertTrue(error.contains("streams.prices.inactive-after"), error);
    }

    @Test
    void aNegativeTimeIsRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> StreamConfig.DEFAULT.withInactiveAfterMs(-1));
    }
}
