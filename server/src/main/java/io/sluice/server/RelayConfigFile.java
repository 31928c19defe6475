package io.sluice.server;

import io.sluice.core.protocol.Hello;
import io.sluice.core.tls.TlsProvider;
import io.sluice.server.bridge.BridgeConfig;
import io.sluice.server.bridge.BridgeConfigException;
import io.sluice.server.bridge.BridgeSettings;
import io.sluice.server.bridge.Bridges;
import io.sluice.server.drop.DropPolicySpec;
import io.sluice.server.security.SecurityConfig;
import io.sluice.server.security.TlsSettings;
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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a relay config file (YAML) into a {@link RelayConfig.Builder}.
 * <p>
 * Keys are kebab-case and map one to one to the {@link RelayConfig} components; see {@code docs/configuration.md}.
 * Keys the file leaves out keep the builder's value. Byte sizes and durations accept units (see {@link Units}).
 * An entry under {@code streams} takes the fields it leaves out from {@code default-stream} as configured after
 * reading the file.
 * <p>
 * Every problem is reported as an {@link IllegalArgumentException} whose message names the file and the full key
 * path, e.g. {@code unknown key 'streams.prices.strategie' in relay.yaml (known: strategy, lane-bytes, lane-runs)}.
 * The file is checked as a whole before it is accepted, so range errors that span keys (a high-water mark below the
 * low-water mark) are reported against the file too.
 * <p>
 * Only plain YAML is read (maps, lists, text): SnakeYAML's {@link SafeConstructor} refuses tags that would
 * instantiate arbitrary classes. Unquoted values are read as the text written, not typed the YAML 1.1 way: each key
 * has its own type, so {@code 0123} stays {@code "0123"} (not octal 83), {@code yes} stays {@code "yes"} (not true)
 * and {@code 5:00} is refused as a duration (not read as 300).
 */
public final class RelayConfigFile
{
    private static final List<String> TOP_KEYS = List.of("bind", "port", "io-threads", "max-frame-length",
        "hello-timeout", "heartbeat-interval", "heartbeat-timeout", "low-water-mark", "high-water-mark",
        "max-read-bytes", "max-reads-per-loop", "auth-token", "spill-dir", "shutdown-grace", "dead-letter-dir",
        "dead-letter-quota", "subscriber-send-buffer", "stream-idle-timeout", "max-streams", "stream-loop-affinity", "max-connections",
        "max-unauthenticated-connections", "tls", "principals", "reload-check-interval", "metrics-token-file",
        "default-stream", "streams", "bridges");
    private static final List<String> TLS_KEYS = List.of("cert", "key", "client-ca", "client-auth", "provider",
        "metrics");
    private static final List<String> STREAM_KEYS = List.of("strategy", "on-full", "deadline", "sample-every",
        "lane-bytes", "lane-runs", "memory", "spill-quota");
    /** A config file is a few KiB; the cap stops a wrong path (a log, a dump) from being read into memory whole. */
    private static final int MAX_CODE_POINTS = 1024 * 1024;

    private final String source;
    private final RelayConfig.Builder into;
    /** Top-level keys the file set, in the order of {@link #TOP_KEYS}; to name them in cross-key errors. */
    private final Set<String> keysSet = new LinkedHashSet<>();

    private RelayConfigFile(final String source, final RelayConfig.Builder into)
    {
        this.source = source;
        this.into = into;
    }

    /**
     * Reads a config file into a builder.
     *
     * @param file the YAML file.
     * @param into the builder to change; keys the file leaves out keep their value.
     * @return {@code into}.
     * @throws IllegalArgumentException when the file cannot be read or holds a wrong key or value; the message
     *                                  names the file and the key.
     */
    public static RelayConfig.Builder load(final Path file, final RelayConfig.Builder into)
    {
        return parse(readText(file, "config file"), file.toString(), into);
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
     * Reads config text into a builder.
     *
     * @param yaml the YAML text.
     * @param source what to call the text in messages, usually the file name.
     * @param into the builder to change; keys the text leaves out keep their value.
     * @return {@code into}.
     * @throws IllegalArgumentException when the text holds a wrong key or value; the message names the source and
     *                                  the key.
     */
    public static RelayConfig.Builder parse(final String yaml, final String source, final RelayConfig.Builder into)
    {
        new RelayConfigFile(source, into).apply(readYaml(yaml, source));
        return into;
    }

    /**
     * Reads plain YAML the way every Sluice file is read: no tags that make objects, no repeated keys, scalars as the
     * text written (see {@link TextResolver}).
     *
     * @param yaml the text.
     * @param source what to call the text in messages, usually the file name.
     * @return maps, lists, text and nulls.
     * @throws IllegalArgumentException naming the source, the line and the column of a syntax error.
     */
    public static Object readYaml(final String yaml, final String source)
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
            final String where = mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
            final String problem = ex.getProblem() != null ? ex.getProblem() : ex.getContext();
            throw new IllegalArgumentException("cannot parse " + source + where + ": " + problem, ex);
        }
        catch (final YAMLException ex)
        {
            throw new IllegalArgumentException("cannot parse " + source + ": " + ex.getMessage(), ex);
        }
    }

    private void apply(final Object root)
    {
        // An empty file (or one of only comments) loads as null: it changes nothing.
        final Map<?, ?> top = root == null ? Map.of() : mapping(root, null);
        checkKeys(top, null, TOP_KEYS);
        for (final String key : TOP_KEYS)
        {
            if (top.containsKey(key))
            {
                keysSet.add(key);
            }
        }

        // Read before anything changes: the builder sets both marks at once and has no getters, and reading it
        // later would trip over this file's own mistakes in other keys.
        final RelayConfig before = top.containsKey("low-water-mark") != top.containsKey("high-water-mark")
            ? current() : null;

        for (final Map.Entry<?, ?> entry : top.entrySet())
        {
            final String key = (String)entry.getKey();
            final Object value = entry.getValue();
            switch (key)
            {
                case "bind" -> into.bindAddress(text(value, key));
                case "port" -> into.port(wholeNumber(value, key));
                case "io-threads" -> into.ioThreads(wholeNumber(value, key));
                case "max-frame-length" -> into.maxFrameLength(intBytes(value, key));
                case "hello-timeout" -> into.helloTimeoutMs(millis(value, key));
                case "shutdown-grace" -> into.shutdownGraceMs(millis(value, key));
                case "heartbeat-interval" -> into.heartbeatIntervalMs(millis(value, key));
                case "heartbeat-timeout" -> into.heartbeatTimeoutMs(millis(value, key));
                case "max-read-bytes" -> into.maxReadBytes(intBytes(value, key));
                case "max-reads-per-loop" -> into.maxReadsPerLoop(wholeNumber(value, key));
                case "auth-token" -> into.authToken(text(value, key));
                case "spill-dir" -> into.spillDirectory(java.nio.file.Path.of(text(value, key)));
                case "dead-letter-dir" -> into.deadLetterDirectory(java.nio.file.Path.of(text(value, key)));
                case "dead-letter-quota" -> into.deadLetterQuotaBytes(bytes(value, key));
                case "subscriber-send-buffer" -> into.subscriberSendBufferBytes(intBytes(value, key));
                case "stream-idle-timeout" -> into.streamIdleTimeoutMs(millis(value, key));
                case "max-streams" -> into.maxStreams(wholeNumber(value, key));
                case "stream-loop-affinity" -> into.streamLoopAffinity(yesOrNo(value, key));
                case "max-connections", "max-unauthenticated-connections", "principals", "reload-check-interval",
                    "metrics-token-file", "tls" -> applySecurity(key, value);
                default ->
                {
                    // Water marks are set as a pair, and the streams after default-stream: both below.
                }
            }
        }
        applyWaterMarks(top, before);
        if (top.containsKey("default-stream"))
        {
            final Object value = top.get("default-stream");
            into.defaultStream(stream(value, "default-stream", into.defaultStream()));
        }
        if (top.containsKey("streams"))
        {
            applyStreams(top.get("streams"));
        }
        if (top.containsKey("bridges"))
        {
            applyBridges(top.get("bridges"));
        }
        validate();
    }

    private void applyWaterMarks(final Map<?, ?> top, final RelayConfig before)
    {
        final boolean low = top.containsKey("low-water-mark");
        final boolean high = top.containsKey("high-water-mark");
        if (low || high)
        {
            into.waterMarks(
                low ? intBytes(top.get("low-water-mark"), "low-water-mark") : before.lowWaterMark(),
                high ? intBytes(top.get("high-water-mark"), "high-water-mark") : before.highWaterMark());
        }
    }

    private RelayConfig current()
    {
        try
        {
            return into.build();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("invalid settings before reading " + source + ": " + ex.getMessage(), ex);
        }
    }

    private void applyStreams(final Object value)
    {
        // "streams:" with every entry commented out loads as null; treat it as no entries, not as an error.
        if (value == null)
        {
            return;
        }
        final StreamConfig inherited = into.defaultStream();
        for (final Map.Entry<?, ?> entry : mapping(value, "streams").entrySet())
        {
            if (!(entry.getKey() instanceof String name))
            {
                throw new IllegalArgumentException("bad stream name 'streams." + entry.getKey() + "' in " + source);
            }
            final String problem = Hello.checkName("stream", name, false);
            if (problem != null)
            {
                throw new IllegalArgumentException("bad stream name 'streams." + name + "' in " + source + ": " + problem);
            }
            into.stream(name, stream(entry.getValue(), "streams." + name, inherited));
        }
    }

    /**
     * Each entry of {@code bridges} is a mapping with {@code type}, {@code stream}, an optional {@code name}, and the
     * type's own settings, which the type's factory checks here so that a mistake is reported against the file.
     */
    private void applyBridges(final Object value)
    {
        if (value == null)
        {
            return;
        }
        if (!(value instanceof List<?> entries))
        {
            throw badValue("bridges", "expected a list of bridges (each starting with '- type: ...'), found "
                + BridgeSettings.describe(value), null);
        }
        final Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < entries.size(); i++)
        {
            final String path = "bridges[" + i + "]";
            final Map<?, ?> fields = entries.get(i) == null ? Map.of() : mapping(entries.get(i), path);
            final Map<String, Object> settings = new LinkedHashMap<>();
            for (final Map.Entry<?, ?> field : fields.entrySet())
            {
                if (!(field.getKey() instanceof String key))
                {
                    throw new IllegalArgumentException("unknown key '" + path + "." + field.getKey() + "' in "
                        + source);
                }
                if (!"type".equals(key) && !"stream".equals(key) && !"name".equals(key))
                {
                    settings.put(key, field.getValue());
                }
            }
            final BridgeConfig bridge;
            try
            {
                bridge = new BridgeConfig(
                    fields.containsKey("name") ? text(fields.get("name"), path + ".name") : null,
                    fields.containsKey("type") ? text(fields.get("type"), path + ".type") : null,
                    fields.containsKey("stream") ? text(fields.get("stream"), path + ".stream") : null,
                    settings);
                Bridges.factory(bridge.type()).check(bridge);
            }
            catch (final BridgeConfigException ex)
            {
                throw new IllegalArgumentException(ex.describe(path, source), ex);
            }
            if (!names.add(bridge.name()))
            {
                throw badValue(path + ".name", "another bridge is named '" + bridge.name()
                    + "' (by default a bridge is named <type>-<stream>): give each a name of its own", null);
            }
            into.bridge(bridge);
        }
    }

    /**
     * @param value the stream's mapping; null (a key with nothing under it) takes every field from {@code base}.
     * @param path the key path, for messages.
     * @param base where fields the mapping leaves out come from.
     */
    private StreamConfig stream(final Object value, final String path, final StreamConfig base)
    {
        final Map<?, ?> fields = value == null ? Map.of() : mapping(value, path);
        checkKeys(fields, path, STREAM_KEYS);
        StreamConfig named = base;
        long laneBytes = base.laneBytes();
        int laneRuns = base.laneRuns();
        long memory = base.memoryBytes();
        long spillQuota = base.spillQuotaBytes();
        if (fields.containsKey("memory"))
        {
            memory = bytes(fields.get("memory"), path + ".memory");
        }
        if (fields.containsKey("spill-quota"))
        {
            spillQuota = bytes(fields.get("spill-quota"), path + ".spill-quota");
        }
        if (fields.containsKey("strategy"))
        {
            final String key = path + ".strategy";
            final String name = text(fields.get("strategy"), key);
            try
            {
                named = base.withStrategyName(name);
            }
            catch (final IllegalArgumentException ex)
            {
                throw badValue(key, ex.getMessage(), ex);
            }
        }
        final DropPolicySpec onFull = onFull(fields, path, named.onFull());
        if (fields.containsKey("lane-bytes"))
        {
            laneBytes = bytes(fields.get("lane-bytes"), path + ".lane-bytes");
        }
        if (fields.containsKey("lane-runs"))
        {
            laneRuns = wholeNumber(fields.get("lane-runs"), path + ".lane-runs");
        }
        try
        {
            return new StreamConfig(named.strategy(), laneBytes, laneRuns, memory, spillQuota, onFull);
        }
        catch (final IllegalArgumentException ex)
        {
            // StreamConfig's messages start with the field's key; name the full path to it.
            String key = path;
            for (final String field : STREAM_KEYS)
            {
                if (ex.getMessage() != null && ex.getMessage().startsWith(field))
                {
                    key = path + "." + field;
                }
            }
            throw badValue(key, ex.getMessage(), ex);
        }
    }

    private void applySecurity(final String key, final Object value)
    {
        final SecurityConfig before = into.security();
        final SecurityConfig after;
        try
        {
            after = switch (key)
            {
                case "max-connections" -> before.withConnectionLimits(wholeNumber(value, key),
                    before.maxUnauthenticatedConnections());
                case "max-unauthenticated-connections" -> before.withConnectionLimits(before.maxConnections(),
                    wholeNumber(value, key));
                case "principals" -> before.withPrincipalsFile(Path.of(text(value, key)));
                case "reload-check-interval" -> before.withReloadCheckIntervalMs(millis(value, key));
                case "metrics-token-file" -> before.withMetricsTokenFile(Path.of(text(value, key)));
                default -> before.withTls(tls(value));
            };
        }
        catch (final IllegalArgumentException ex)
        {
            if (ex.getMessage() != null && ex.getMessage().startsWith("bad value for"))
            {
                throw ex;
            }
            throw badValue(key, ex.getMessage(), ex);
        }
        into.security(after);
    }

    private TlsSettings tls(final Object value)
    {
        final Map<?, ?> fields = mapping(value, "tls");
        checkKeys(fields, "tls", TLS_KEYS);
        final Path cert = fields.containsKey("cert") ? Path.of(text(fields.get("cert"), "tls.cert")) : null;
        final Path key = fields.containsKey("key") ? Path.of(text(fields.get("key"), "tls.key")) : null;
        final Path clientCa = fields.containsKey("client-ca") ? Path.of(text(fields.get("client-ca"), "tls.client-ca")) : null;
        final TlsSettings.ClientAuth clientAuth = fields.containsKey("client-auth") ?
            named(text(fields.get("client-auth"), "tls.client-auth"), "tls.client-auth", TlsSettings.ClientAuth::of) : null;
        final TlsProvider provider = fields.containsKey("provider") ?
            named(text(fields.get("provider"), "tls.provider"), "tls.provider", TlsProvider::of) : TlsProvider.AUTO;
        return new TlsSettings(cert, key, clientCa, clientAuth, provider,
            fields.containsKey("metrics") && yesOrNo(fields.get("metrics"), "tls.metrics"));
    }

    private <T> T named(final String text, final String path, final java.util.function.Function<String, T> parse)
    {
        try
        {
            return parse.apply(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw badValue(path, ex.getMessage(), ex);
        }
    }

    private boolean yesOrNo(final Object value, final String path)
    {
        final String text = scalar(value, path).strip();
        if ("true".equalsIgnoreCase(text))
        {
            return true;
        }
        if ("false".equalsIgnoreCase(text))
        {
            return false;
        }
        throw badValue(path, "'" + text + "' is not true or false", null);
    }

    /** Builds once, so that range errors are reported against the file and the keys it set. */
    private void validate()
    {
        try
        {
            into.build();
        }
        catch (final IllegalArgumentException ex)
        {
            final String message = String.valueOf(ex.getMessage());
            // RelayConfig's messages name the keys involved; name the first of them the file set.
            String culprit = null;
            int at = Integer.MAX_VALUE;
            for (final String key : keysSet)
            {
                final var m = Pattern.compile("(?<![a-z-])" + Pattern.quote(key) + "(?![a-z-])").matcher(message);
                if (m.find() && m.start() < at)
                {
                    at = m.start();
                    culprit = key;
                }
            }
            if (culprit == null)
            {
                throw new IllegalArgumentException("invalid settings after reading " + source + ": " + message, ex);
            }
            throw badValue(culprit, message, ex);
        }
    }

    private void checkKeys(final Map<?, ?> map, final String path, final List<String> known)
    {
        for (final Object key : map.keySet())
        {
            if (!(key instanceof String) || !known.contains(key))
            {
                throw new IllegalArgumentException("unknown key '" + join(path, String.valueOf(key)) + "' in " + source +
                    " (known: " + String.join(", ", known) + ")");
            }
        }
    }

    private Map<?, ?> mapping(final Object value, final String path)
    {
        if (value instanceof Map<?, ?> map)
        {
            return map;
        }
        if (path == null)
        {
            throw new IllegalArgumentException(source + " must hold a mapping of settings (key: value), found " +
                BridgeSettings.describe(value));
        }
        throw badValue(path, "expected a mapping (key: value), found " + BridgeSettings.describe(value), null);
    }

    private String text(final Object value, final String path)
    {
        requirePresent(value, path);
        if (value instanceof String s)
        {
            return s;
        }
        throw badValue(path, "expected text, found " + BridgeSettings.describe(value), null);
    }

    private int wholeNumber(final Object value, final String path)
    {
        final String text = scalar(value, path);
        final long n;
        try
        {
            n = Long.parseLong(text.strip());
        }
        catch (final NumberFormatException ex)
        {
            throw badValue(path, "'" + text + "' is not a whole number", ex);
        }
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE)
        {
            throw badValue(path, "'" + text + "' is out of range", null);
        }
        return (int)n;
    }

    private long bytes(final Object value, final String path)
    {
        final String text = scalar(value, path);
        try
        {
            return Units.parseBytes(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw badValue(path, ex.getMessage(), ex);
        }
    }

    private int intBytes(final Object value, final String path)
    {
        final String text = scalar(value, path);
        try
        {
            return Units.toIntBytes(Units.parseBytes(text), text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw badValue(path, ex.getMessage(), ex);
        }
    }

    // on-full, then deadline and sample-every, which only mean something for their own policy.
    private DropPolicySpec onFull(final Map<?, ?> fields, final String path, final DropPolicySpec named)
    {
        DropPolicySpec spec = named;
        if (fields.containsKey("on-full"))
        {
            final String key = path + ".on-full";
            final String name = text(fields.get("on-full"), key);
            try
            {
                spec = named.named(name);
            }
            catch (final IllegalArgumentException ex)
            {
                throw badValue(key, ex.getMessage(), ex);
            }
        }
        if (fields.containsKey("deadline"))
        {
            final String key = path + ".deadline";
            final String text = scalar(fields.get("deadline"), key);
            try
            {
                spec = spec.requirePolicy("deadline", "deadline").withDeadlineNanos(Units.parseNanos(text));
            }
            catch (final IllegalArgumentException ex)
            {
                throw badValue(key, ex.getMessage(), ex);
            }
        }
        if (fields.containsKey("sample-every"))
        {
            final String key = path + ".sample-every";
            final int every = wholeNumber(fields.get("sample-every"), key);
            try
            {
                spec = spec.requirePolicy("sample-every", "sample").withSampleEvery(every);
            }
            catch (final IllegalArgumentException ex)
            {
                throw badValue(key, ex.getMessage(), ex);
            }
        }
        return spec;
    }

    private int millis(final Object value, final String path)
    {
        final String text = scalar(value, path);
        try
        {
            return Units.toIntMillis(Units.parseMillis(text), text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw badValue(path, ex.getMessage(), ex);
        }
    }

    /** Scalars arrive as text (see {@link TextResolver}); an explicit tag ({@code !!int 5}) goes through its text. */
    private String scalar(final Object value, final String path)
    {
        requirePresent(value, path);
        if (value instanceof Map<?, ?> || value instanceof List<?>)
        {
            throw badValue(path, "expected a single value, found " + BridgeSettings.describe(value), null);
        }
        return String.valueOf(value);
    }

    private void requirePresent(final Object value, final String path)
    {
        if (value == null)
        {
            throw badValue(path, "no value given", null);
        }
    }

    private IllegalArgumentException badValue(final String path, final String reason, final Throwable cause)
    {
        return new IllegalArgumentException("bad value for '" + path + "' in " + source + ": " + reason, cause);
    }

    private static String join(final String path, final String key)
    {
        return path == null ? key : path + "." + key;
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
