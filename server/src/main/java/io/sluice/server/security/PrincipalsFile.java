package io.sluice.server.security;

import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.Hello;
import io.sluice.server.config.text.PlainYaml;
import io.sluice.server.config.text.Units;

import javax.security.auth.x500.X500Principal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a principals file (YAML):
 * <pre>{@code
 * principals:
 *   alice:
 *     token: pbkdf2-sha256:100000:...:...     # or tokens: [..., ...] while one replaces another
 *     certificate-subject: "CN=alice,O=Example"
 *     certificate-name: alice.clients.example.com
 *     publish: {allow: ["prices.>"], deny: ["prices.internal.>"]}
 *     subscribe: [">"]                         # a list is an allow list
 *     subscriptions: ["alice-audit"]           # durable subscription names
 *     limits: {max-connections: 10, max-streams: 100, max-subscriptions: 4, max-frame-length: 64KiB,
 *              spill-quota: 512MiB, publish-rate: 10MiB}
 * }</pre>
 * A principal needs at least one credential. Left out, {@code publish}, {@code subscribe} and {@code subscriptions}
 * allow nothing and each limit is none. Every problem is an {@link IllegalArgumentException} naming the file and the
 * key path; token hashes are never repeated in messages.
 */
final class PrincipalsFile
{
    private static final List<String> TOP_KEYS = List.of("principals");
    private static final List<String> PRINCIPAL_KEYS = List.of("token", "tokens", "certificate-subject",
        "certificate-name", "publish", "subscribe", "subscriptions", "limits");
    private static final List<String> PERMISSION_KEYS = List.of("allow", "deny");
    private static final List<String> LIMIT_KEYS = List.of("max-connections", "max-streams", "max-subscriptions",
        "max-frame-length", "spill-quota", "publish-rate");
    private static final List<String> BUILT_IN = List.of(Principal.DEFAULT, Principal.ANONYMOUS, Principal.INTERNAL);

    private final String source;

    private PrincipalsFile(final String source)
    {
        this.source = source;
    }

    /**
     * @param file the principals file.
     * @return its principals.
     * @throws IllegalArgumentException naming the file, the key and the problem.
     */
    static Principals load(final Path file)
    {
        return parse(PlainYaml.readText(file, "principals file"), file.toString());
    }

    /**
     * @param yaml the text.
     * @param source what to call it in messages.
     * @return its principals.
     * @throws IllegalArgumentException naming the source, the key and the problem.
     */
    static Principals parse(final String yaml, final String source)
    {
        return new PrincipalsFile(source).read(PlainYaml.read(yaml, source));
    }

    private Principals read(final Object root)
    {
        final Map<?, ?> top = root == null ? Map.of() : mapping(root, null);
        checkKeys(top, null, TOP_KEYS);
        final Object entries = top.get("principals");
        final List<Principal> principals = new ArrayList<>();
        if (entries != null)
        {
            for (final Map.Entry<?, ?> entry : mapping(entries, "principals").entrySet())
            {
                principals.add(principal(entry.getKey(), entry.getValue()));
            }
        }
        try
        {
            return new Principals(principals);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(source + ": " + ex.getMessage(), ex);
        }
    }

    private Principal principal(final Object key, final Object value)
    {
        final String name = String.valueOf(key);
        final String path = "principals." + name;
        final String problem = Hello.checkName("principal", name, false);
        if (!(key instanceof String) || problem != null)
        {
            throw badValue(path, problem != null ? problem : "a principal's name is text");
        }
        if (BUILT_IN.contains(name))
        {
            throw badValue(path, "'" + name + "' is a built-in principal's name (" + String.join(", ", BUILT_IN) + ")");
        }
        final Map<?, ?> fields = value == null ? Map.of() : mapping(value, path);
        checkKeys(fields, path, PRINCIPAL_KEYS);
        final List<TokenHash> tokens = new ArrayList<>();
        if (fields.containsKey("token"))
        {
            tokens.add(tokenHash(fields.get("token"), path + ".token"));
        }
        if (fields.containsKey("tokens"))
        {
            final List<String> texts = texts(fields.get("tokens"), path + ".tokens");
            for (int i = 0; i < texts.size(); i++)
            {
                tokens.add(tokenHash(texts.get(i), path + ".tokens[" + i + "]"));
            }
        }
        final X500Principal subject = fields.containsKey("certificate-subject") ?
            subject(fields.get("certificate-subject"), path + ".certificate-subject") : null;
        final String certificateName = fields.containsKey("certificate-name") ?
            text(fields.get("certificate-name"), path + ".certificate-name") : null;
        if (tokens.isEmpty() && subject == null && certificateName == null)
        {
            throw badValue(path, "no credential: give a token (from 'sluice hash-token'), a certificate-subject or a "
                + "certificate-name");
        }
        return new Principal(name, tokens, subject, certificateName,
            permissions(fields.get("publish"), path + ".publish"),
            permissions(fields.get("subscribe"), path + ".subscribe"),
            permissions(fields.get("subscriptions"), path + ".subscriptions"),
            limits(fields.get("limits"), path + ".limits"));
    }

    private TokenHash tokenHash(final Object value, final String path)
    {
        try
        {
            return TokenHash.parse(text(value, path));
        }
        catch (final IllegalArgumentException ex)
        {
            throw badValue(path, ex.getMessage());
        }
    }

    private X500Principal subject(final Object value, final String path)
    {
        final String text = text(value, path);
        try
        {
            return new X500Principal(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw badValue(
                path, "'" + text + "' is not a distinguished name like CN=alice,O=Example: " + ex.getMessage());
        }
    }

    private Permissions permissions(final Object value, final String path)
    {
        if (value == null)
        {
            return Permissions.NONE;
        }
        if (value instanceof List<?>)
        {
            return new Permissions(patterns(value, path), List.of());
        }
        final Map<?, ?> fields = mapping(value, path);
        checkKeys(fields, path, PERMISSION_KEYS);
        return new Permissions(
            fields.containsKey("allow") ? patterns(fields.get("allow"), path + ".allow") : List.of(),
            fields.containsKey("deny") ? patterns(fields.get("deny"), path + ".deny") : List.of());
    }

    private List<NamePattern> patterns(final Object value, final String path)
    {
        final List<NamePattern> patterns = new ArrayList<>();
        for (final String text : texts(value, path))
        {
            try
            {
                patterns.add(NamePattern.of(text));
            }
            catch (final IllegalArgumentException ex)
            {
                throw badValue(path, ex.getMessage());
            }
        }
        return patterns;
    }

    private PrincipalLimits limits(final Object value, final String path)
    {
        if (value == null)
        {
            return PrincipalLimits.NONE;
        }
        final Map<?, ?> fields = mapping(value, path);
        checkKeys(fields, path, LIMIT_KEYS);
        final int frame = (int)Math.min(
            Integer.MAX_VALUE, bytes(fields.get("max-frame-length"), path + ".max-frame-length"));
        if (frame != 0 && frame <= FrameDescriptor.HEADER_LENGTH)
        {
            throw badValue(path + ".max-frame-length", "must exceed the header (" + FrameDescriptor.HEADER_LENGTH +
                " bytes), was " + frame);
        }
        try
        {
            return new PrincipalLimits(count(fields.get("max-connections"), path + ".max-connections"),
                count(fields.get("max-streams"), path + ".max-streams"),
                count(fields.get("max-subscriptions"), path + ".max-subscriptions"), frame,
                bytes(fields.get("spill-quota"), path + ".spill-quota"),
                bytes(fields.get("publish-rate"), path + ".publish-rate"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw badValue(path, ex.getMessage());
        }
    }

    private int count(final Object value, final String path)
    {
        if (value == null)
        {
            return 0;
        }
        final String text = scalar(value, path);
        try
        {
            final int n = Integer.parseInt(text.strip());
            if (n < 0)
            {
                throw badValue(path, "'" + text + "' is negative (0: no limit)");
            }
            return n;
        }
        catch (final NumberFormatException ex)
        {
            throw badValue(path, "'" + text + "' is not a whole number");
        }
    }

    private long bytes(final Object value, final String path)
    {
        if (value == null)
        {
            return 0;
        }
        final String text = scalar(value, path);
        try
        {
            return Units.parseBytes(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw badValue(path, ex.getMessage());
        }
    }

    private List<String> texts(final Object value, final String path)
    {
        if (!(value instanceof List<?> list))
        {
            throw badValue(path, "expected a list, e.g. [\"prices.>\", \"orders.*\"]");
        }
        final List<String> texts = new ArrayList<>();
        for (int i = 0; i < list.size(); i++)
        {
            texts.add(text(list.get(i), path + "[" + i + "]"));
        }
        return texts;
    }

    private String text(final Object value, final String path)
    {
        if (value instanceof String s && !s.isBlank())
        {
            return s;
        }
        throw badValue(path, value == null ? "no value given" : "expected text");
    }

    private String scalar(final Object value, final String path)
    {
        if (value instanceof Map<?, ?> || value instanceof List<?>)
        {
            throw badValue(path, "expected a single value");
        }
        return String.valueOf(value);
    }

    private Map<?, ?> mapping(final Object value, final String path)
    {
        if (value instanceof Map<?, ?> map)
        {
            return map;
        }
        if (path == null)
        {
            throw new IllegalArgumentException(source + " must hold a mapping with the key 'principals'");
        }
        throw badValue(path, "expected a mapping (key: value)");
    }

    private void checkKeys(final Map<?, ?> map, final String path, final List<String> known)
    {
        for (final Object key : map.keySet())
        {
            if (!(key instanceof String) || !known.contains(key))
            {
                throw new IllegalArgumentException("unknown key '" + (path == null ? "" : path + ".") + key + "' in " +
                    source + " (known: " + String.join(", ", known) + ")");
            }
        }
    }

    private IllegalArgumentException badValue(final String path, final String reason)
    {
        return new IllegalArgumentException("bad value for '" + path + "' in " + source + ": " + reason);
    }
}
