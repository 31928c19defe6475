package io.sluice.server.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code ack-window} and {@code ack-window-bytes} in the config file: defaults, {@code default-stream} and per stream,
 * inheritance, and errors that name the key.
 */
class AckWindowConfigTest
{
    private static RelayConfig parse(final String yaml)
    {
        return RelayConfigFile.parse(yaml, "relay.yaml", RelayConfig.builder()).build();
    }

    private static String error(final String yaml)
    {
        return assertThrows(IllegalArgumentException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void defaultsAre16384MessagesAnd4MiB()
    {
        assertEquals(new AckWindowLimit(16_384, 4 * 1024 * 1024), StreamConfig.DEFAULT.ackWindow());
        assertEquals(AckWindowLimit.DEFAULT, parse("port: 7440").streamConfig("any").ackWindow());
        assertEquals(AckWindowLimit.DEFAULT, parse("""
            streams:
              prices:
                lane-bytes: 1MiB
            """).streamConfig("prices").ackWindow());
    }

    @Test
    void readsBothKeysInDefaultStreamAndPerStreamWhichInheritWhatTheyLeaveOut()
    {
        final RelayConfig config = parse("""
            default-stream:
              ack-window: 1000
              ack-window-bytes: 1MiB
            streams:
              prices:
                ack-window: 50
              orders:
                ack-window-bytes: 64KiB
              audit:
                ack-window: 2
                ack-window-bytes: 1KiB
              quotes:
            """);
        assertEquals(new AckWindowLimit(1000, 1024 * 1024), config.defaultStream().ackWindow());
        assertEquals(new AckWindowLimit(1000, 1024 * 1024), config.streamConfig("not-listed").ackWindow());
        assertEquals(new AckWindowLimit(50, 1024 * 1024), config.streamConfig("prices").ackWindow());
        assertEquals(new AckWindowLimit(1000, 64 * 1024), config.streamConfig("orders").ackWindow());
        assertEquals(new AckWindowLimit(2, 1024), config.streamConfig("audit").ackWindow());
        assertEquals(new AckWindowLimit(1000, 1024 * 1024), config.streamConfig("quotes").ackWindow());
    }

    @Test
    void theWindowIsKeptWhenOtherSettingsChange()
    {
        final RelayConfig config = parse("""
            default-stream:
              ack-window: 10
            streams:
              prices:
                strategy: spill
                on-stuck: evict
                inactive-after: 1d
            """);
        assertEquals(new AckWindowLimit(10, AckWindowLimit.DEFAULT_BYTES), config.streamConfig("prices").ackWindow());
        assertEquals(Strategy.SPILL, config.streamConfig("prices").strategy());
    }

    @Test
    void badMessageCountsNameTheKey()
    {
        assertEquals("bad value for 'streams.prices.ack-window' in relay.yaml: ack-window must be positive, was 0",
            error("streams:\n  prices:\n    ack-window: 0\n"));
        assertEquals("bad value for 'default-stream.ack-window' in relay.yaml: ack-window must be positive, was -5",
            error("default-stream:\n  ack-window: -5\n"));
        assertEquals("bad value for 'streams.prices.ack-window' in relay.yaml: 'many' is not a whole number",
            error("streams:\n  prices:\n    ack-window: many\n"));
        assertEquals("bad value for 'streams.prices.ack-window' in relay.yaml: '1KiB' is not a whole number",
            error("streams:\n  prices:\n    ack-window: 1KiB\n"));
        assertEquals("bad value for 'streams.prices.ack-window' in relay.yaml: '3000000000' is out of range",
            error("streams:\n  prices:\n    ack-window: 3000000000\n"));
        assertEquals("bad value for 'streams.prices.ack-window' in relay.yaml: no value given",
            error("streams:\n  prices:\n    ack-window:\n"));
    }

    @Test
    void badByteSizesNameTheKey()
    {
        assertEquals("bad value for 'streams.prices.ack-window-bytes' in relay.yaml: ack-window-bytes must be at"
            + " least 1KiB, was 0", error("streams:\n  prices:\n    ack-window-bytes: 0\n"));
        assertEquals("bad value for 'default-stream.ack-window-bytes' in relay.yaml: ack-window-bytes must be at"
            + " least 1KiB, was 1023", error("default-stream:\n  ack-window-bytes: 1023\n"));
        assertEquals("bad value for 'streams.prices.ack-window-bytes' in relay.yaml: 'lots' is not a byte size"
            + " (e.g. 8MiB, 64KiB, 1048576)", error("streams:\n  prices:\n    ack-window-bytes: lots\n"));
        assertEquals("bad value for 'streams.prices.ack-window-bytes' in relay.yaml: '-4KiB' is not a byte size"
            + " (e.g. 8MiB, 64KiB, 1048576)", error("streams:\n  prices:\n    ack-window-bytes: -4KiB\n"));
        assertEquals("bad value for 'streams.prices.ack-window-bytes' in relay.yaml: '2GiB' is too large (at most"
            + " 2147483647 bytes)", error("streams:\n  prices:\n    ack-window-bytes: 2GiB\n"));
    }

    @Test
    void theLargestWindowInBytesIsTheLargestInt()
    {
        assertEquals(Integer.MAX_VALUE, parse("default-stream:\n  ack-window-bytes: 2147483647\n").defaultStream()
            .ackWindow().bytes());
    }
}
