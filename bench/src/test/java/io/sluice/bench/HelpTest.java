package io.sluice.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command's {@code --help} prints its usage and nothing else: picocli reports a description it cannot format
 * (a lone {@code %}) on System.err, whatever the command's own streams.
 */
class HelpTest
{
    @Test
    void everyCommandsHelpIsCleanOfPicocliWarnings()
    {
        final PrintStream systemErr = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            for (final List<String> command : List.of(List.of("relay"), List.of("produce"), List.of("consume"),
                List.of("top"), List.of("demo"), List.of("bench"), List.of("dead-letter", "list"),
                List.of("dead-letter", "replay")))
            {
                final StringWriter out = new StringWriter();
                final StringWriter err = new StringWriter();
                final String[] args = new String[command.size() + 1];
                command.toArray(args);
                args[command.size()] = "--help";
                final int exit = new CommandLine(new SluiceMain()).setOut(new PrintWriter(out, true))
                    .setErr(new PrintWriter(err, true)).execute(args);
                assertEquals(0, exit, command + ": " + err);
                assertTrue(out.toString().startsWith("Usage: sluice " + String.join(" ", command)), out.toString());
                assertEquals("", err.toString(), command.toString());
            }
        }
        finally
        {
            System.setErr(systemErr);
        }
        assertEquals("", captured.toString(StandardCharsets.UTF_8));
    }
}
