package io.sluice.server.tier.disk;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The acknowledged positions a durable subscription keeps beside its stores: written whole, read back by stream and
 * subscription at start, and ignored when missing, torn or impossible (positions then start again at 1).
 */
class PositionsFileTest
{
    @TempDir
    Path root;

    @Test
    void writtenPositionsAreReadBackBySubscriptionAndStream() throws Exception
    {
        final Path audit = Files.createDirectories(root.resolve("prices").resolve("audit"));
        final Path nightly = Files.createDirectories(root.resolve("orders").resolve("nightly"));
        Files.createDirectories(root.resolve("orders").resolve("no-file"));
        Files.createDirectories(root.resolve(".warm-up-1").resolve("x"));
        PositionsFile.write(audit, 100, 300);
        PositionsFile.write(nightly, 0, 7);
        Files.writeString(root.resolve(".warm-up-1").resolve("x").resolve(PositionsFile.FILE_NAME), "1 2\n");

        assertEquals(Map.of("prices", Map.of("audit", new PositionsFile(100, 300)),
            "orders", Map.of("nightly", new PositionsFile(0, 7))), PositionsFile.readAll(root));
        assertTrue(Files.notExists(audit.resolve(PositionsFile.FILE_NAME + ".new")), "no temporary file left");

        PositionsFile.delete(audit);
        assertNull(PositionsFile.read(audit));
    }

    @Test
    void aTornOrImpossibleFileIsNoPositions() throws Exception
    {
        final Path dir = Files.createDirectories(root.resolve("s").resolve("sub"));
        for (final String text : new String[] {"", "12", "a b", "5 4", "-1 3"})
        {
            Files.write(dir.resolve(PositionsFile.FILE_NAME), text.getBytes(StandardCharsets.US_ASCII));
            assertNull(PositionsFile.read(dir), "'" + text + "'");
        }
    }

    @Test
    void noSpillDirectoryYetIsNoPositions() throws Exception
    {
        assertEquals(Map.of(), PositionsFile.readAll(root.resolve("missing")));
    }
}
