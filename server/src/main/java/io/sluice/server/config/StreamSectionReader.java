package io.sluice.server.config;

import io.sluice.core.protocol.Hello;
import io.sluice.server.config.text.Units;
import io.sluice.server.drop.DropPolicySpec;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Reads stream settings: {@code default-stream} and each entry under {@code streams}. A field an entry leaves out
 * comes from the settings it is read over, so that streams inherit from {@code default-stream} as configured.
 */
final class StreamSectionReader
{
    /** The keys of a stream's settings, in the order messages list them. */
    static final List<String> STREAM_KEYS = List.of("strategy", "on-full", "deadline", "sample-every",
        "lane-bytes", "lane-runs", "memory", "spill-quota", "on-stuck", "stuck-after",
        "inactive-after", "ack-window", "ack-window-bytes");

    private final ConfigValues values;

    StreamSectionReader(final ConfigValues values)
    {
        this.values = values;
    }

    /**
     * Reads the entries of {@code streams} into the builder, each over the builder's default stream.
     *
     * @param value what the file holds under {@code streams}; null (every entry commented out) adds none.
     * @param into the builder.
     */
    void readStreams(final Object value, final RelayConfig.Builder into)
    {
        if (value == null)
        {
            return;
        }
        final StreamConfig inherited = into.defaultStream();
        for (final Map.Entry<?, ?> entry : values.mapping(value, "streams").entrySet())
        {
            if (!(entry.getKey() instanceof String name))
            {
                throw new IllegalArgumentException("bad stream name 'streams." + entry.getKey() + "' in " +
                    values.source());
            }
            final String problem = Hello.checkName("stream", name, false);
            if (problem != null)
            {
                throw new IllegalArgumentException("bad stream name 'streams." + name + "' in " + values.source() +
                    ": " + problem);
            }
            into.stream(name, read(entry.getValue(), "streams." + name, inherited));
        }
    }

    /**
     * @param value the stream's mapping; null (a key with nothing under it) takes every field from {@code base}.
     * @param path the key path, for messages.
     * @param base where fields the mapping leaves out come from.
     * @return the stream's settings.
     */
    StreamConfig read(final Object value, final String path, final StreamConfig base)
    {
        final Map<?, ?> fields = value == null ? Map.of() : values.mapping(value, path);
        values.checkKeys(fields, path, STREAM_KEYS);
        StreamConfig named = base;
        long laneBytes = base.laneBytes();
        int laneRuns = base.laneRuns();
        long memory = base.memoryBytes();
        long spillQuota = base.spillQuotaBytes();
        if (fields.containsKey("memory"))
        {
            memory = values.bytes(fields.get("memory"), path + ".memory");
        }
        if (fields.containsKey("spill-quota"))
        {
            spillQuota = values.bytes(fields.get("spill-quota"), path + ".spill-quota");
        }
        named = apply(fields, path, "strategy", named, values::text, StreamConfig::withStrategyName);
        final DropPolicySpec onFull = onFull(fields, path, named.onFull());
        if (fields.containsKey("lane-bytes"))
        {
            laneBytes = values.bytes(fields.get("lane-bytes"), path + ".lane-bytes");
        }
        if (fields.containsKey("lane-runs"))
        {
            laneRuns = values.wholeNumber(fields.get("lane-runs"), path + ".lane-runs");
        }
        final StuckPolicy stuck = stuck(fields, path, base.stuck());
        final long inactiveAfter = inactiveAfter(fields, path, base.inactiveAfterMs());
        final AckWindowLimit ackWindow = ackWindow(fields, path, base.ackWindow());
        try
        {
            return new StreamConfig(named.strategy(), laneBytes, laneRuns, memory, spillQuota, onFull, stuck,
                inactiveAfter, ackWindow);
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
            throw values.badValue(key, ex.getMessage(), ex);
        }
    }

    // on-full, then deadline and sample-every, which only mean something for their own policy.
    private DropPolicySpec onFull(final Map<?, ?> fields, final String path, final DropPolicySpec named)
    {
        DropPolicySpec spec = apply(fields, path, "on-full", named, values::text, DropPolicySpec::named);
        spec = apply(fields, path, "deadline", spec, values::scalar,
            (policy, text) -> policy.requirePolicy("deadline", "deadline").withDeadlineNanos(Units.parseNanos(text)));
        return apply(fields, path, "sample-every", spec, values::wholeNumber,
            (policy, every) -> policy.requirePolicy("sample-every", "sample").withSampleEvery(every));
    }

    // on-stuck and stuck-after; a bad stuck-after is named by StreamConfig's check with the full path.
    private StuckPolicy stuck(final Map<?, ?> fields, final String path, final StuckPolicy base)
    {
        OnStuck action = base.onStuck();
        long after = base.stuckAfterMs();
        action = apply(fields, path, "on-stuck", action, values::text, (current, text) -> OnStuck.parse(text));
        if (fields.containsKey("stuck-after"))
        {
            after = values.millis(fields.get("stuck-after"), path + ".stuck-after");
        }
        try
        {
            return new StuckPolicy(action, after);
        }
        catch (final IllegalArgumentException ex)
        {
            throw values.badValue(path + ".stuck-after", ex.getMessage(), ex);
        }
    }

    private long inactiveAfter(final Map<?, ?> fields, final String path, final long base)
    {
        return apply(fields, path, "inactive-after", base, values::scalar,
            (current, text) -> InactiveAfter.parseMillis(text));
    }

    // ack-window and ack-window-bytes, each checked on its own so that a message names the key at fault.
    private AckWindowLimit ackWindow(final Map<?, ?> fields, final String path, final AckWindowLimit base)
    {
        final AckWindowLimit window =
            apply(fields, path, "ack-window", base, values::wholeNumber, AckWindowLimit::withMessages);
        return apply(fields, path, "ack-window-bytes", window, values::intBytes, AckWindowLimit::withBytes);
    }

    /** Reads a key's value, failing with a message that names the key. */
    private interface Read<V>
    {
        V read(Object value, String key);
    }

    // A key the mapping may leave out: its value read, then applied to what the setting is so far; a value the
    // setting refuses fails with a message that names the key.
    private <T, V> T apply(final Map<?, ?> fields, final String path, final String name, final T current,
        final Read<V> read, final BiFunction<T, V, T> with)
    {
        if (!fields.containsKey(name))
        {
            return current;
        }
        final String key = path + "." + name;
        final V value = read.read(fields.get(name), key);
        try
        {
            return with.apply(current, value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw values.badValue(key, ex.getMessage(), ex);
        }
    }
}
