package io.sluice.bench;

import io.sluice.bench.load.LoadSpec;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sluice bench}'s options on their own: defaults, checks, the rate and the shared steady load. */
final class BenchOptionsTest
{
    @Test
    void defaultsGiveTheDocumentedRatePeersAndSteadyLoad()
    {
        final BenchOptions options = parse();

        assertEquals(200_000, options.rate());
        assertFalse(options.rateIsMax());
        assertEquals(List.of("direct", "haproxy", "nats-core", "jetstream"), options.peers());
        final LoadSpec load = options.steady(1_000, 10);
        assertEquals(64, load.payloadBytes());
        assertEquals(1_000_000_000L, load.warmupNanos());
        assertEquals(3_000_000_000L, load.drainNanos());
        assertEquals(5_000_000_000L, load.measuredNanos());
        assertEquals(10, load.consumerRate());
        assertEquals(1_000, load.phases().get(0).rate());
    }

    @Test
    void maxRateIsUnpacedAndNonePeersIsNoPeers()
    {
        final BenchOptions options = parse("--rate", "max", "--peers", "none");

        assertTrue(Double.isInfinite(options.rate()));
        assertTrue(options.rateIsMax());
        assertEquals(List.of(), options.peers());
    }

    @Test
    void badOptionsAreRefusedWithTheReason()
    {
        assertEquals("--rate must be a positive number or max, was 0",
            assertThrows(ParameterException.class, () -> parse("--rate", "0")).getMessage());
        assertTrue(assertThrows(ParameterException.class, () -> parse("--peers", "direct,kafka")).getMessage()
            .startsWith("unknown peer 'kafka' (known: "));
        assertTrue(assertThrows(ParameterException.class, () -> parse("--size", "7")).getMessage()
            .contains("--size from 8 to 65536"));
        assertThrows(ParameterException.class, () -> parse("--duration", "0"));
        assertThrows(ParameterException.class, () -> parse("--tls-rate", "0"));
    }

    @Test
    void secondsBecomeNanoseconds()
    {
        assertEquals(1_500_000_000L, BenchOptions.nanos(1.5));
        assertEquals(0, BenchOptions.nanos(0));
    }

    private static BenchOptions parse(final String... args)
    {
        final BenchOptions options = new BenchOptions();
        final CommandLine commandLine = new CommandLine(options);
        commandLine.parseArgs(args);
        options.validate(commandLine);
        return options;
    }
}
