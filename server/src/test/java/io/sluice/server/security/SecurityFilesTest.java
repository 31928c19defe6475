package io.sluice.server.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecurityFilesTest
{
    @TempDir
    Path dir;

    private static SecurityConfig onSighupOnly()
    {
        return SecurityConfig.DEFAULT.withReloadCheckIntervalMs(0);
    }

    private Path principals(final String... names) throws Exception
    {
        final StringBuilder yaml = new StringBuilder("principals:\n");
        for (final String name : names)
        {
            yaml.append("  ").append(name).append(":\n")
                .append("    token: ").append(TokenHash.of(name + "-token", TokenHash.MIN_ITERATIONS).text())
                .append('\n');
        }
        return Files.writeString(dir.resolve("principals.yaml"), yaml.toString());
    }

    @Test
    void withoutFilesThereIsNothingToLoad()
    {
        final SecurityFiles.Contents contents = new SecurityFiles(onSighupOnly()).load();

        assertSame(Principals.NONE, contents.principals());
        assertNull(contents.tls());
        assertNull(contents.metricsToken());
        assertEquals(List.of(), SecurityFiles.watchedFiles(onSighupOnly()));
    }

    @Test
    void loadsThePrincipalsAndTheMetricsTokenLessItsLineBreak() throws Exception
    {
        final Path token = Files.writeString(dir.resolve("metrics.token"), "scrape-me\r\n");
        final SecurityConfig config = onSighupOnly().withPrincipalsFile(principals("alice", "bob"))
            .withMetricsTokenFile(token);

        final SecurityFiles.Contents contents = new SecurityFiles(config).load();

        assertEquals(2, contents.principals().all().size());
        assertTrue(contents.principals().byName("alice").tokens().get(0).matches("alice-token"));
        assertArrayEquals("scrape-me".getBytes(StandardCharsets.UTF_8), contents.metricsToken());
        assertEquals(List.of(config.principalsFile(), token), SecurityFiles.watchedFiles(config));
    }

    @Test
    void namesTheFileThatCannotBeLoaded() throws Exception
    {
        final Path missing = dir.resolve("missing.yaml");
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> new SecurityFiles(onSighupOnly().withPrincipalsFile(missing)).load()).getMessage()
            .contains("cannot read principals file " + missing));

        final Path empty = Files.writeString(dir.resolve("empty.token"), "\n");
        assertEquals("metrics-token-file " + empty + " is empty", assertThrows(IllegalArgumentException.class,
            () -> new SecurityFiles(onSighupOnly().withMetricsTokenFile(empty)).load()).getMessage());
    }

    @Test
    void reloadsOnlyWhenAWatchedFileChanged() throws Exception
    {
        final Path file = principals("alice");
        final AtomicInteger reloads = new AtomicInteger();
        try (SecurityFiles files = new SecurityFiles(onSighupOnly().withPrincipalsFile(file)))
        {
            files.watch(reloads::incrementAndGet);

            files.reloadIfChanged();
            assertEquals(0, reloads.get());

            Files.writeString(file, "principals: {}\n# a different size\n");
            files.reloadIfChanged();
            assertEquals(1, reloads.get());

            files.reloadIfChanged();
            assertEquals(1, reloads.get(), "compared with the last look");

            Files.delete(file);
            files.reloadIfChanged();
            assertEquals(2, reloads.get(), "a file that went is a change too");
        }
    }

    @Test
    void aFailingReloadIsLoggedAndTheWatchGoesOn() throws Exception
    {
        final Path file = principals("alice");
        final AtomicInteger reloads = new AtomicInteger();
        try (SecurityFiles files = new SecurityFiles(onSighupOnly().withPrincipalsFile(file)))
        {
            files.watch(() ->
            {
                reloads.incrementAndGet();
                throw new IllegalStateException("boom");
            });
            Files.writeString(file, "principals: {}\n# changed\n");

            files.reloadIfChanged();

            assertEquals(1, reloads.get());
        }
    }
}
