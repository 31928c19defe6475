package io.sluice.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay's packages form a DAG along a message's path: a package names (imports, or links to in javadoc) only
 * packages in a lower layer. Read from the source tree, so a back-edge fails the build before anyone has to find it in
 * a diagram. docs/architecture.md ("Layout of the relay") explains the layers.
 */
class PackageLayersTest
{
    // Top to bottom; packages in one layer do not name each other. "" is io.sluice.server itself.
    private static final List<List<String>> LAYERS = List.of(
        List.of("cli"),
        List.of("metrics"),
        List.of(""),
        List.of("connection"),
        List.of("producer", "subscriber"),
        List.of("stream"),
        List.of("lane"),
        List.of("drop.stage"),
        List.of("tier.memory", "tier.disk"),
        // Vocabulary, below every stage.
        List.of("config"),
        List.of("security", "bridge", "drop", "peer"),
        List.of("lifecycle", "counters", "config.text"));

    private static final String ROOT = "io.sluice.server";
    private static final Path SOURCES = Path.of("src/main/java/io/sluice/server");
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.sluice\\.server((?:\\.[a-z]\\w*)*)\\.[A-Z]\\w*");

    @Test
    void noPackageNamesAPackageAboveOrBesideIt()
    {
        final Map<String, String> sources = read(SOURCES);
        assertTrue(sources.size() > 100, "read the relay's sources from " + SOURCES.toAbsolutePath());
        assertEquals(List.of(), violations(sources));
    }

    @Test
    void aBackEdgeIsNamedWithTheClassThatMakesIt()
    {
        final Map<String, String> sources = new TreeMap<>();
        sources.put("tier/memory/Ring.java", "package io.sluice.server.tier.memory;\n" +
            "import io.sluice.server.lane.Lane;\nimport io.sluice.server.config.StreamConfig;\n");
        sources.put("lane/Lane.java", "package io.sluice.server.lane;\n/** {@link io.sluice.server.RelayMetrics} */\n");
        sources.put("extra/Thing.java", "package io.sluice.server.extra;\n");

        assertEquals(List.of(
            "io.sluice.server.extra is in no layer (extra/Thing.java)",
            "lane/Lane.java: lane names io.sluice.server, which is not below it",
            "tier/memory/Ring.java: tier.memory names lane, which is not below it"), violations(sources));
    }

    private static List<String> violations(final Map<String, String> sources)
    {
        final Map<String, Integer> layerOf = new TreeMap<>();
        for (int i = 0; i < LAYERS.size(); i++)
        {
            for (final String name : LAYERS.get(i))
            {
                layerOf.put(name, i);
            }
        }
        final TreeSet<String> found = new TreeSet<>();
        for (final Map.Entry<String, String> source : sources.entrySet())
        {
            final Matcher declared = PACKAGE.matcher(source.getValue());
            assertTrue(declared.find(), "no package declaration in " + source.getKey());
            final String from = relative(declared.group(1));
            final Integer fromLayer = layerOf.get(from);
            if (fromLayer == null)
            {
                found.add(declared.group(1) + " is in no layer (" + source.getKey() + ")");
                continue;
            }
            final Matcher reference = REFERENCE.matcher(source.getValue());
            while (reference.find())
            {
                final String to = reference.group(1).isEmpty() ? "" : reference.group(1).substring(1);
                final Integer toLayer = layerOf.get(to);
                if (!to.equals(from) && (toLayer == null || toLayer <= fromLayer))
                {
                    found.add(source.getKey() + ": " + name(from) + " names " + name(to) + ", which is not below it");
                }
            }
        }
        return new ArrayList<>(found);
    }

    private static String relative(final String packageName)
    {
        return packageName.equals(ROOT) ? "" : packageName.startsWith(ROOT + ".") ?
            packageName.substring(ROOT.length() + 1) : packageName;
    }

    private static String name(final String relative)
    {
        return relative.isEmpty() ? ROOT : relative;
    }

    private static Map<String, String> read(final Path root)
    {
        final Map<String, String> sources = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root))
        {
            for (final Path file : (Iterable<Path>)files.filter(f -> f.toString().endsWith(".java"))::iterator)
            {
                sources.put(root.relativize(file).toString(), Files.readString(file));
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return sources;
    }
}
