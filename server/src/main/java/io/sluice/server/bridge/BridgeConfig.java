package io.sluice.server.bridge;

import io.sluice.core.protocol.Hello;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One entry of the relay config's {@code bridges} list: a bridge of {@code type} between the relay's {@code stream}
 * and another system, with the type's own settings.
 *
 * @param name the bridge's name in logs, metrics and errors; unique in a relay. Letters, digits, {@code . _ -}.
 * @param type what the bridge is, the {@link BridgeFactory#type()} that makes it, e.g. {@code kafka-sink}.
 * @param stream the relay stream the bridge reads from or publishes to.
 * @param settings the type's settings as the config file holds them: text, lists and nested maps of text.
 */
public record BridgeConfig(String name, String type, String stream, Map<String, Object> settings)
{
    /**
     * @throws IllegalArgumentException naming what is wrong with the name, type or stream.
     */
    public BridgeConfig
    {
        if (type == null || type.isBlank())
        {
            throw new BridgeConfigException("type", "no bridge type given", false);
        }
        final String streamProblem = stream == null ? "no stream given" : Hello.checkName("stream", stream, false);
        if (streamProblem != null)
        {
            throw new BridgeConfigException("stream", streamProblem, false);
        }
        if (name == null || name.isEmpty())
        {
            name = defaultName(type, stream);
        }
        final String nameProblem = Hello.checkName("bridge name", name, false);
        if (nameProblem != null)
        {
            throw new BridgeConfigException("name", nameProblem, false);
        }
        settings = settings == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /**
     * @param type a bridge type.
     * @param stream a stream name.
     * @return the name of a bridge the config does not name: {@code <type>-<stream>}.
     */
    public static String defaultName(final String type, final String stream)
    {
        return type + "-" + stream;
    }

    /**
     * @return typed access to {@link #settings()}.
     */
    public BridgeSettings typedSettings()
    {
        return new BridgeSettings(settings);
    }
}
