package io.sluice.server.config.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlainYamlTest
{
    @TempDir
    Path dir;

    private static String error(final String yaml)
    {
        return assertThrows(IllegalArgumentException.class, () -> PlainYaml.read(yaml, "f.yaml")).getMessage();
    }

    @Test
    void readsMappingsListsAndScalarsAsTheTextWritten()
    {
        final Object read = PlainYaml.read("""
            a: 0123
            b: yes
            c: 1.5
            d: [x, 2]
            e: {f: true}
            """, "f.yaml");

        assertEquals(Map.of("a", "0123", "b", "yes", "c", "1.5", "d", List.of("x", "2"), "e", Map.of("f", "true")),
            read);
    }

    @Test
    void emptyValuesTildeAndNullAreNothing()
    {
        final Map<?, ?> read = (Map<?, ?>)PlainYaml.read("a:\nb: ~\nc: null\nd: Null\n", "f.yaml");

        assertEquals(4, read.size());
        assertNull(read.get("a"));
        assertNull(read.get("b"));
        assertNull(read.get("c"));
        assertNull(read.get("d"));
        assertNull(PlainYaml.read("# only a comment\n", "f.yaml"));
    }

    @Test
    void mergesThroughAnchors()
    {
        assertEquals(Map.of("x", "1", "y", "3"),
            ((Map<?, ?>)PlainYaml.read("base: &b {x: 1, y: 2}\nthis: {<<: *b, y: 3}\n", "f.yaml")).get("this"));
    }

    @Test
    void refusesRepeatedKeysNamingTheLine()
    {
        final String message = error("a: 1\na: 2\n");

        assertTrue(message.startsWith("cannot parse f.yaml at line 2, column 1: "), message);
        assertTrue(message.contains("duplicate key a"), message);
    }

    @Test
    void refusesTagsThatMakeObjects()
    {
        assertTrue(error("a: !!java.io.File [/tmp]").startsWith("cannot parse f.yaml"));
    }

    @Test
    void refusesDeepNesting()
    {
        final String deep = "[".repeat(40) + "]".repeat(40);

        assertTrue(error(deep).startsWith("cannot parse f.yaml"));
    }

    @Test
    void refusesTextPastTheCodePointLimit()
    {
        final char[] big = new char[PlainYaml.MAX_CODE_POINTS + 16];
        Arrays.fill(big, 'a');

        assertTrue(error("a: " + new String(big)).startsWith("cannot parse f.yaml"));
    }

    @Test
    void readTextNamesTheFileAndWhyItCannotBeRead() throws Exception
    {
        final Path missing = dir.resolve("missing.yaml");
        assertEquals("cannot read principals file " + missing + ": no such file",
            assertThrows(IllegalArgumentException.class, () -> PlainYaml.readText(missing, "principals file"))
                .getMessage());

        final Path binary = Files.write(dir.resolve("binary"), new byte[] {(byte)0xC3, (byte)0x28});
        assertEquals("cannot read config file " + binary + ": not UTF-8 text",
            assertThrows(IllegalArgumentException.class, () -> PlainYaml.readText(binary, "config file"))
                .getMessage());

        final Path text = Files.writeString(dir.resolve("ok.yaml"), "port: 1\n", StandardCharsets.UTF_8);
        assertEquals("port: 1\n", PlainYaml.readText(text, "config file"));
    }
}
