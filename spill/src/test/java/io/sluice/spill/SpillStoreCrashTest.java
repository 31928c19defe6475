package io.sluice.spill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpillStoreCrashTest
{
    private static final long N = 50_000;

    @TempDir
    Path dir;

    static List<String> command(final Class<?> main, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String property : new String[] {"sluice.jvm.opens", "sluice.jvm.props"})
        {
            final String flags = System.getProperty(property);
            assertNotNull(flags, property + " is set by Surefire");
            for (final String flag : flags.trim().split("\\s+"))
            {
                if (!flag.isEmpty())
                {
                    command.add(flag);
                }
            }
        }
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        return command;
    }

    @Test
    void everyFrameReportedAppendedSurvivesKillDashNine() throws IOException, InterruptedException
    {
        final Path store = dir.resolve("store");
        final Process child = new ProcessBuilder(command(SpillCrashChild.class, store.toString(), Long.toString(N)))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
        long reported = 0;
        final StringBuilder transcript = new StringBuilder();
        try (BufferedReader out =
            new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)))
        {
            // Wait for "appended N", then for one more report: the child is then in the middle of appending more.
            String line;
            while ((line = out.readLine()) != null)
            {
                transcript.append(line).append('\n');
                if (line.startsWith("appended "))
                {
                    reported = Long.parseLong(line.substring("appended ".length()));
                    if (reported > N)
                    {
                        break;
                    }
                }
            }
            assertTrue(reported > N, () -> "child stopped early:\n" + transcript);
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        finally
        {
            child.destroyForcibly();
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");

        final SpillConfig config = SpillConfig.of(store, 1L << 30).withFreeSpaceMarginBytes(16L << 20);
        try (SpillStore spill = SpillStore.open(config))
        {
            final long backlog = spill.backlogMessages();
            assertTrue(backlog >= reported, "backlog " + backlog + " covers the " + reported + " reported");
            final long[] next = {0};
            long bytes = 0;
            while (spill.read((buffer, offset, length) ->
            {
                assertEquals(next[0], TestFrames.verify(buffer, offset, length), "in order, no gap, no duplicate");
                assertEquals(32 + SpillCrashChild.payloadLength(next[0]), length);
                next[0]++;
            }, 4096) > 0)
            {
                // drain
            }
            for (long seq = 0; seq < next[0]; seq++)
            {
                bytes += 32 + SpillCrashChild.payloadLength(seq);
            }
            assertTrue(next[0] >= reported, "read " + next[0] + " of " + reported + " reported");
            assertEquals(backlog, next[0], "backlog counted from the index matches what was read");
            assertEquals(0, spill.damagedSkipped(), "a killed writer leaves no damage");
            assertTrue(bytes > 0);
        }
    }
}
