package io.sluice.server.config;

import io.sluice.core.tls.TlsProvider;
import io.sluice.server.security.SecurityConfig;
import io.sluice.server.security.TlsSettings;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Reads the security keys of the top level ({@code tls}, {@code principals}, the connection limits, the reload
 * interval and the metrics token file) into a {@link SecurityConfig}, naming the key at fault when the settings do
 * not check.
 */
final class SecuritySectionReader
{
    /** The top-level keys this reader takes. */
    static final List<String> KEYS = List.of("max-connections", "max-unauthenticated-connections", "tls",
        "principals", "reload-check-interval", "metrics-token-file");
    /** The keys under {@code tls}, in the order messages list them. */
    static final List<String> TLS_KEYS = List.of("cert", "key", "client-ca", "client-auth", "provider", "metrics");

    private final ConfigValues values;

    SecuritySectionReader(final ConfigValues values)
    {
        this.values = values;
    }

    /**
     * @param key one of {@link #KEYS}.
     * @param value what the file holds under it.
     * @param before the security settings so far.
     * @return them with the key's value applied.
     */
    SecurityConfig read(final String key, final Object value, final SecurityConfig before)
    {
        try
        {
            return switch (key)
            {
                case "max-connections" -> before.withConnectionLimits(values.wholeNumber(value, key),
                    before.maxUnauthenticatedConnections());
                case "max-unauthenticated-connections" -> before.withConnectionLimits(before.maxConnections(),
                    values.wholeNumber(value, key));
                case "principals" -> before.withPrincipalsFile(Path.of(values.text(value, key)));
                case "reload-check-interval" -> before.withReloadCheckIntervalMs(values.millis(value, key));
                case "metrics-token-file" -> before.withMetricsTokenFile(Path.of(values.text(value, key)));
                default -> before.withTls(tls(value));
            };
        }
        catch (final IllegalArgumentException ex)
        {
            if (ex.getMessage() != null && ex.getMessage().startsWith("bad value for"))
            {
                throw ex;
            }
            throw values.badValue(key, ex.getMessage(), ex);
        }
    }

    private TlsSettings tls(final Object value)
    {
        final Map<?, ?> fields = values.mapping(value, "tls");
        values.checkKeys(fields, "tls", TLS_KEYS);
        final Path cert = path(fields, "cert");
        final Path key = path(fields, "key");
        final Path clientCa = path(fields, "client-ca");
        final TlsSettings.ClientAuth clientAuth = fields.containsKey("client-auth") ? values.named(
            values.text(fields.get("client-auth"), "tls.client-auth"), "tls.client-auth", TlsSettings.ClientAuth::of) :
            null;
        final TlsProvider provider = fields.containsKey("provider") ?
            values.named(values.text(fields.get("provider"), "tls.provider"), "tls.provider", TlsProvider::of) :
            TlsProvider.AUTO;
        return new TlsSettings(cert, key, clientCa, clientAuth, provider,
            fields.containsKey("metrics") && values.yesOrNo(fields.get("metrics"), "tls.metrics"));
    }

    private Path path(final Map<?, ?> fields, final String field)
    {
        return fields.containsKey(field) ? Path.of(values.text(fields.get(field), "tls." + field)) : null;
    }
}
