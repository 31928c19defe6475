package io.sluice.server.cli;

import io.sluice.server.config.InactiveAfter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code --inactive-after} sets the default stream's {@code inactive-after}; without it subscriptions stay. */
class InactiveAfterFlagTest
{
    @Test
    void theFlagSetsTheDefaultStream()
    {
        final RelayCommand command = new RelayCommand();
        new CommandLine(command).parseArgs("--inactive-after", "12h");
        assertEquals(12 * 3_600_000L, command.buildConfig().defaultStream().inactiveAfterMs());
        final RelayCommand without = new RelayCommand();
        new CommandLine(without).parseArgs();
        assertEquals(InactiveAfter.NEVER, without.buildConfig().defaultStream().inactiveAfterMs());
    }
}
