package io.sluice.server.config.text;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads the text of every Sluice file (relay config, principals, tokens) and parses plain YAML the one way they are
 * all read: SnakeYAML's {@link SafeConstructor} (no tags that instantiate classes), no repeated keys, bounded size
 * and nesting, and scalars as the text written rather than typed the YAML 1.1 way (see {@link TextResolver}), since
 * each key has its own type and is parsed as such by whoever reads it.
 */
public final class PlainYaml
{
    /** A config file is a few KiB; the cap stops a wrong path (a log, a dump) from being read into memory whole. */
    static final int MAX_CODE_POINTS = 1024 * 1024;

    private PlainYaml()
    {
    }

    /**
     * @param file a UTF-8 text file.
     * @param what what the file is, for messages ("config file").
     * @return its text.
     * @throws IllegalArgumentException naming the file and why it cannot be read.
     */
    public static String readText(final Path file, final String what)
    {
        try
        {
            return Files.readString(file);
        }
        catch (final NoSuchFileException ex)
        {
            throw new IllegalArgumentException("cannot read " + what + " " + file + ": no such file", ex);
        }
        catch (final CharacterCodingException ex)
        {
            throw new IllegalArgumentException("cannot read " + what + " " + file + ": not UTF-8 text", ex);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read " + what + " " + file + ": " + ex, ex);
        }
    }

    /**
     * @param yaml the text.
     * @param source what to call the text in messages, usually the file name.
     * @return maps, lists, text and nulls.
     * @throws IllegalArgumentException naming the source, the line and the column of a syntax error.
     */
    public static Object read(final String yaml, final String source)
    {
        final LoaderOptions options = new LoaderOptions();
        // A repeated key is almost always an edit gone wrong; silently taking the last one hides it.
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(16);
        options.setNestingDepthLimit(16);
        options.setCodePointLimit(MAX_CODE_POINTS);
        try
        {
            final DumperOptions unused = new DumperOptions();
            return new Yaml(new SafeConstructor(options), new Representer(unused), unused, options, new TextResolver())
                .load(yaml);
        }
        catch (final MarkedYAMLException ex)
        {
            final Mark mark = ex.getProblemMark() != null ? ex.getProblemMark() : ex.getContextMark();
            final String where = mark == null ? "" :
                " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
            final String problem = ex.getProblem() != null ? ex.getProblem() : ex.getContext();
            throw new IllegalArgumentException("cannot parse " + source + where + ": " + problem, ex);
        }
        catch (final YAMLException ex)
        {
            throw new IllegalArgumentException("cannot parse " + source + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Resolves plain scalars to text, except empty ones and {@code ~}/{@code null} (nothing) and {@code <<} (merge).
     * YAML 1.1's implicit types do more harm than good here: every key has a known type and is parsed as such.
     */
    private static final class TextResolver extends Resolver
    {
        @Override
        protected void addImplicitResolvers()
        {
            addImplicitResolver(Tag.MERGE, MERGE, "<");
            addImplicitResolver(Tag.NULL, NULL, "~nN\0");
            addImplicitResolver(Tag.NULL, EMPTY, null);
        }
    }
}
