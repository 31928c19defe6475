package io.sluice.spill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acknowledged reads across a kill -9: a child appends, reads and releases in a loop with the record numbers as tags
 * and is killed with SIGKILL at a random point; the reopened store starts at exactly the record of its tag, and every
 * record from there to the last append is there.
 */
class SpillStoreAckCrashTest
{
    @TempDir
    Path dir;

    @Test
    void aKilledReaderLosesNoUnreleasedRecordAndKeepsItsTagWithItsPosition() throws IOException, InterruptedException
    {
        final Path store = dir.resolve("store");
        final long seed = ThreadLocalRandom.current().nextLong();
        final long target = 10_000 + ThreadLocalRandom.current().nextLong(20_000);
        final String context = "seed " + seed + ", killed past " + target + " released";
        final Process child = new ProcessBuilder(
            SpillStoreCrashTest.command(SpillAckCrashChild.class, store.toString(), Long.toString(seed)))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
        long reportedReleased = -1;
        long reportedAppended = -1;
        final StringBuilder transcript = new StringBuilder();
        try (BufferedReader out =
            new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = out.readLine()) != null)
            {
                if (!line.startsWith("released "))
                {
                    transcript.append(line).append('\n');
                    continue;
                }
                final String[] words = line.split(" ");
                reportedReleased = Long.parseLong(words[1]);
                reportedAppended = Long.parseLong(words[3]);
                if (reportedReleased >= target)
                {
                    break;
                }
            }
            assertTrue(reportedReleased >= target, () -> "child stopped early (" + context + "):\n" + transcript);
            // The child goes on appending, reading and releasing: the kill lands anywhere in that loop.
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        finally
        {
            child.destroyForcibly();
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        final long released = reportedReleased;
        final long appended = reportedAppended;

        try (SpillStore spill = SpillStore.open(SpillAckCrashChild.config(store)))
        {
            final long tag = spill.releasedTag();
            assertTrue(tag >= released, () -> "tag " + tag + " covers the releases reported, " + context);
            final long backlog = spill.backlogMessages();
            final long[] next = {tag};
            while (spill.read((buffer, offset, length) ->
            {
                assertEquals(next[0], TestFrames.verify(buffer, offset, length),
                    () -> "from the tag's record on, in order, no gap, no duplicate; " + context);
                assertEquals(32 + SpillCrashChild.payloadLength(next[0]), length);
                next[0]++;
            }, 4096) > 0)
            {
                // drain
            }
            final long read = next[0] - tag;
            assertTrue(next[0] >= appended,
                () -> "read up to " + next[0] + " of " + appended + " reported appended; " + context);
            assertEquals(backlog, read, () -> "the backlog counts what was not released; " + context);
            assertEquals(0, spill.damagedSkipped(), context);
            assertEquals(0, spill.damagedBytes(), context);
            // How many files a kill leaves depends on when the child last released (it releases now and then, so what
            // it read and had not released spans files); that released files go is SpillStoreAcknowledgedReadsTest's.
        }
    }
}
