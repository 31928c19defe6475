package io.sluice.server.config;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import io.sluice.server.config.text.PlainYaml;
import io.sluice.server.config.text.Units;

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
 * Only plain YAML is read ({@link PlainYaml}). Unquoted values are read as the text written, not typed the YAML 1.1
 * way: each key has its own type ({@link ConfigValues}), so {@code 0123} stays {@code "0123"} (not octal 83),
 * {@code yes} stays {@code "yes"} (not true) and {@code 5:00} is refused as a duration (not read as 300). Sections
 * with structure have a reader each: {@link StreamSectionReader}, {@link SecuritySectionReader},
 * {@link BridgesSectionReader}.
 */
public final class RelayConfigFile
{
    private static final List<String> TOP_KEYS = List.of("bind", "port", "io-threads", "max-frame-length",
        "hello-timeout", "heartbeat-interval", "heartbeat-timeout", "low-water-mark", "high-water-mark",
        "max-read-bytes", "max-reads-per-loop", "auth-token", "spill-dir", "shutdown-grace", "dead-letter-dir",
        "dead-letter-quota", "subscriber-send-buffer", "stream-idle-timeout", "max-streams", "stream-loop-affinity",
        "max-connections", "max-unauthenticated-connections", "tls", "principals", "reload-check-interval",
        "metrics-token-file", "default-stream", "streams", "bridges");

    private final String source;
    private final RelayConfig.Builder into;
    private final ConfigValues values;
    private final StreamSectionReader streams;
    private final SecuritySectionReader security;
    private final BridgesSectionReader bridges;
    /** Top-level keys the file set, in the order of {@link #TOP_KEYS}; to name them in cross-key errors. */
    private final Set<String> keysSet = new LinkedHashSet<>();

    private RelayConfigFile(final String source, final RelayConfig.Builder into)
    {
        this.source = source;
        this.into = into;
        this.values = new ConfigValues(source);
        this.streams = new StreamSectionReader(values);
        this.security = new SecuritySectionReader(values);
        this.bridges = new BridgesSectionReader(values);
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
        return parse(PlainYaml.readText(file, "config file"), file.toString(), into);
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
        new RelayConfigFile(source, into).apply(PlainYaml.read(yaml, source));
        return into;
    }

    private void apply(final Object root)
    {
        // An empty file (or one of only comments) loads as null: it changes nothing.
        final Map<?, ?> top = root == null ? Map.of() : values.mapping(root, null);
        values.checkKeys(top, null, TOP_KEYS);
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
            applyScalar((String)entry.getKey(), entry.getValue());
        }
        applyWaterMarks(top, before);
        if (top.containsKey("default-stream"))
        {
            into.defaultStream(streams.read(top.get("default-stream"), "default-stream", into.defaultStream()));
        }
        if (top.containsKey("streams"))
        {
            streams.readStreams(top.get("streams"), into);
        }
        if (top.containsKey("bridges"))
        {
            bridges.read(top.get("bridges"), into);
        }
        validate();
    }

    // Water marks are set as a pair, and the stream and bridge sections after every other key: see apply.
    private void applyScalar(final String key, final Object value)
    {
        switch (key)
        {
            case "bind" -> into.bindAddress(values.text(value, key));
            case "port" -> into.port(values.wholeNumber(value, key));
            case "io-threads" -> into.ioThreads(values.wholeNumber(value, key));
            case "max-frame-length" -> into.maxFrameLength(values.intBytes(value, key));
            case "hello-timeout" -> into.helloTimeoutMs(values.millis(value, key));
            case "shutdown-grace" -> into.shutdownGraceMs(values.millis(value, key));
            case "heartbeat-interval" -> into.heartbeatIntervalMs(values.millis(value, key));
            case "heartbeat-timeout" -> into.heartbeatTimeoutMs(values.millis(value, key));
            case "max-read-bytes" -> into.maxReadBytes(values.intBytes(value, key));
            case "max-reads-per-loop" -> into.maxReadsPerLoop(values.wholeNumber(value, key));
            case "auth-token" -> into.authToken(values.text(value, key));
            case "spill-dir" -> into.spillDirectory(Path.of(values.text(value, key)));
            case "dead-letter-dir" -> into.deadLetterDirectory(Path.of(values.text(value, key)));
            case "dead-letter-quota" -> into.deadLetterQuotaBytes(values.bytes(value, key));
            case "subscriber-send-buffer" -> into.subscriberSendBufferBytes(values.intBytes(value, key));
            case "stream-idle-timeout" -> into.streamIdleTimeoutMs(values.millis(value, key));
            case "max-streams" -> into.maxStreams(values.wholeNumber(value, key));
            case "stream-loop-affinity" -> into.streamLoopAffinity(values.yesOrNo(value, key));
            default ->
            {
                if (SecuritySectionReader.KEYS.contains(key))
                {
                    into.security(security.read(key, value, into.security()));
                }
            }
        }
    }

    private void applyWaterMarks(final Map<?, ?> top, final RelayConfig before)
    {
        final boolean low = top.containsKey("low-water-mark");
        final boolean high = top.containsKey("high-water-mark");
        if (low || high)
        {
            into.waterMarks(
                low ? values.intBytes(top.get("low-water-mark"), "low-water-mark") : before.lowWaterMark(),
                high ? values.intBytes(top.get("high-water-mark"), "high-water-mark") : before.highWaterMark());
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
            throw new IllegalArgumentException("invalid settings before reading " + source + ": " + ex.getMessage(),
                ex);
        }
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
            throw values.badValue(culprit, message, ex);
        }
    }
}
