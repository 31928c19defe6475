package io.sluice.server.cli;

import io.sluice.server.config.OnStuck;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StuckPolicy;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --on-stuck} and {@code --stuck-after} of {@code sluice relay}. */
class StuckOptionsTest
{
    private static RelayConfig config(final String... args)
    {
        final RelayCommand command = new RelayCommand();
        new CommandLine(command).parseArgs(args);
        return command.buildConfig();
    }

    @Test
    void flagsSetTheDefaultStream()
    {
        assertEquals(StuckPolicy.DEFAULT, config().defaultStream().stuck());
        assertEquals(new StuckPolicy(OnStuck.WAIT, 30_000), config("--on-stuck", "wait").defaultStream().stuck());
        assertEquals(new StuckPolicy(OnStuck.DETACH, 1_500),
            config("--on-stuck", "detach", "--stuck-after", "1500ms").defaultStream().stuck());
    }

    @Test
    void badFlagsSayWhy()
    {
        assertEquals("bad value: unknown on-stuck 'never' (known: wait, evict, detach)",
            assertThrows(IllegalArgumentException.class, () -> config("--on-stuck", "never")).getMessage());
        assertEquals("bad value: stuck-after must be positive, was 0 ms",
            assertThrows(IllegalArgumentException.class, () -> config("--stuck-after", "0")).getMessage());
    }

    @Test
    void helpNamesBoth()
    {
        final String usage = new CommandLine(new RelayCommand()).getUsageMessage();
        assertTrue(usage.contains("--on-stuck=ACTION"), usage);
        assertTrue(usage.contains("--stuck-after=DURATION"), usage);
    }
}
