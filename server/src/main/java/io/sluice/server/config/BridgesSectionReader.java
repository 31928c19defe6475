package io.sluice.server.config;

import io.sluice.server.bridge.BridgeConfig;
import io.sluice.server.bridge.BridgeConfigException;
import io.sluice.server.bridge.BridgeSettings;
import io.sluice.server.bridge.Bridges;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code bridges}: a list of mappings with {@code type}, {@code stream}, an optional {@code name}, and the
 * type's own settings, which the type's factory checks here so that a mistake is reported against the file.
 */
final class BridgesSectionReader
{
    private final ConfigValues values;

    BridgesSectionReader(final ConfigValues values)
    {
        this.values = values;
    }

    /**
     * @param value what the file holds under {@code bridges}; null adds none.
     * @param into the builder the bridges are added to, in order.
     */
    void read(final Object value, final RelayConfig.Builder into)
    {
        if (value == null)
        {
            return;
        }
        if (!(value instanceof List<?> entries))
        {
            throw values.badValue("bridges", "expected a list of bridges (each starting with '- type: ...'), found "
                + BridgeSettings.describe(value), null);
        }
        final Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < entries.size(); i++)
        {
            final String path = "bridges[" + i + "]";
            final BridgeConfig bridge = bridge(entries.get(i), path);
            if (!names.add(bridge.name()))
            {
                throw values.badValue(path + ".name", "another bridge is named '" + bridge.name()
                    + "' (by default a bridge is named <type>-<stream>): give each a name of its own", null);
            }
            into.bridge(bridge);
        }
    }

    private BridgeConfig bridge(final Object entry, final String path)
    {
        final Map<?, ?> fields = entry == null ? Map.of() : values.mapping(entry, path);
        final Map<String, Object> settings = new LinkedHashMap<>();
        for (final Map.Entry<?, ?> field : fields.entrySet())
        {
            if (!(field.getKey() instanceof String key))
            {
                throw new IllegalArgumentException("unknown key '" + path + "." + field.getKey() + "' in "
                    + values.source());
            }
            if (!"type".equals(key) && !"stream".equals(key) && !"name".equals(key))
            {
                settings.put(key, field.getValue());
            }
        }
        try
        {
            final BridgeConfig bridge = new BridgeConfig(
                fields.containsKey("name") ? values.text(fields.get("name"), path + ".name") : null,
                fields.containsKey("type") ? values.text(fields.get("type"), path + ".type") : null,
                fields.containsKey("stream") ? values.text(fields.get("stream"), path + ".stream") : null,
                settings);
            Bridges.factory(bridge.type()).check(bridge);
            return bridge;
        }
        catch (final BridgeConfigException ex)
        {
            throw new IllegalArgumentException(ex.describe(path, values.source()), ex);
        }
    }
}
