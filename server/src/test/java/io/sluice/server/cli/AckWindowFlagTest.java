package io.sluice.server.cli;

import io.sluice.server.config.AckWindowLimit;
import io.sluice.server.config.RelayConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --ack-window} and {@code --ack-window-bytes} of {@code sluice relay}: they set the default stream's window,
 * over the config file's {@code default-stream} and not over the streams it lists.
 */
class AckWindowFlagTest
{
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private static RelayConfig config(final String... args)
    {
        final RelayCommand command = new RelayCommand();
        new CommandLine(command).parseArgs(args);
        return command.buildConfig();
    }

    private int execute(final String... args)
    {
        final CommandLine commandLine = new CommandLine(new RelayCommand());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void flagsSetTheDefaultStream()
    {
        assertEquals(AckWindowLimit.DEFAULT, config().defaultStream().ackWindow());
        assertEquals(new AckWindowLimit(100, AckWindowLimit.DEFAULT_BYTES),
            config("--ack-window", "100").defaultStream().ackWindow());
        assertEquals(new AckWindowLimit(AckWindowLimit.DEFAULT_MESSAGES, 256 * 1024),
            config("--ack-window-bytes", "256KiB").defaultStream().ackWindow());
        assertEquals(new AckWindowLimit(7, 1024), config("--ack-window", "7", "--ack-window-bytes", "1KiB")
            .defaultStream().ackWindow());
    }

    @Test
    void flagsOverrideTheFilesDefaultStreamButNotItsStreams() throws Exception
    {
        final Path file = Files.writeString(dir.resolve("relay.yaml"), """
            default-stream:
              ack-window: 500
              ack-window-bytes: 2MiB
            streams:
              prices:
                ack-window: 20
            """);

        final RelayConfig flagged = config("--config", file.toString(), "--ack-window-bytes", "8MiB");
        assertEquals(new AckWindowLimit(500, 8 * 1024 * 1024), flagged.defaultStream().ackWindow());
        assertEquals(new AckWindowLimit(20, 2 * 1024 * 1024), flagged.streamConfig("prices").ackWindow());

        // Another stream flag rebuilds the default stream: the file's window must survive it.
        final RelayConfig other = config("--config", file.toString(), "--lane-bytes", "1MiB");
        assertEquals(new AckWindowLimit(500, 2 * 1024 * 1024), other.defaultStream().ackWindow());
    }

    @Test
    void outOfRangeValuesSayWhich()
    {
        assertEquals("bad value: ack-window must be positive, was 0",
            assertThrows(IllegalArgumentException.class, () -> config("--ack-window", "0")).getMessage());
        assertEquals("bad value: ack-window must be positive, was -3",
            assertThrows(IllegalArgumentException.class, () -> config("--ack-window", "-3")).getMessage());
        assertEquals("bad value: ack-window-bytes must be at least 1KiB, was 512",
            assertThrows(IllegalArgumentException.class, () -> config("--ack-window-bytes", "512")).getMessage());

        assertEquals(2, execute("--ack-window", "0", "--port", "0"));
        assertEquals("sluice relay: bad value: ack-window must be positive, was 0", err.toString().strip());
    }

    @Test
    void valuesThatAreNotNumbersAreUsageErrors()
    {
        assertEquals(2, execute("--ack-window", "many", "--port", "0"));
        assertTrue(err.toString().contains("--ack-window"), err::toString);
        assertTrue(err.toString().contains("'many'"), err::toString);

        assertEquals(2, execute("--ack-window-bytes", "lots", "--port", "0"));
        assertTrue(err.toString().contains("'lots' is not a byte size"), err::toString);

        assertEquals(2, execute("--ack-window-bytes", "2GiB", "--port", "0"));
        assertTrue(err.toString().contains("'2GiB' is too large (at most 2147483647 bytes)"), err::toString);
    }

    @Test
    void helpNamesBoth()
    {
        assertEquals(0, execute("--help"));
        final String usage = out.toString();
        assertTrue(usage.contains("--ack-window=N"), usage);
        assertTrue(usage.contains("--ack-window-bytes=BYTES"), usage);
    }
}
