package io.sluice.server.security;

import javax.security.auth.x500.X500Principal;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The principals a relay knows, as read from its principals file (immutable; a reload makes a new set), with the
 * lookups authentication needs: by name, by certificate subject, by certificate subject alternative name. Tokens are
 * found by hashing ({@link #findByToken}), which is slow on purpose: callers run it off the event loop.
 */
final class Principals
{
    /** No principals: with no principals file. */
    static final Principals NONE = new Principals(List.of());

    private final Map<String, Principal> byName = new LinkedHashMap<>();
    private final Map<X500Principal, Principal> bySubject = new HashMap<>();
    private final Map<String, Principal> byCertificateName = new HashMap<>();

    /**
     * @param principals the principals.
     * @throws IllegalArgumentException when two share a name, a certificate subject or a certificate name.
     */
    Principals(final List<Principal> principals)
    {
        for (final Principal principal : principals)
        {
            if (byName.putIfAbsent(principal.name(), principal) != null)
            {
                throw new IllegalArgumentException("two principals are named '" + principal.name() + "'");
            }
            if (principal.certificateSubject() != null &&
                bySubject.putIfAbsent(principal.certificateSubject(), principal) != null)
            {
                throw new IllegalArgumentException(
                    "principals '" + bySubject.get(principal.certificateSubject()).name() +
                    "' and '" + principal.name() + "' have the same certificate-subject");
            }
            if (principal.certificateName() != null &&
                byCertificateName.putIfAbsent(principal.certificateName(), principal) != null)
            {
                throw new IllegalArgumentException("principals '" + byCertificateName.get(principal.certificateName())
                    .name() + "' and '" + principal.name() + "' have the same certificate-name");
            }
        }
    }

    /** @return the principal of that name, or null. */
    Principal byName(final String name)
    {
        return byName.get(name);
    }

    /** @return every principal, in file order. */
    Collection<Principal> all()
    {
        return byName.values();
    }

    /**
     * @param token a token offered in a HELLO.
     * @return the principal one of whose hashes it matches, and that hash; null when none does. Costs one PBKDF2 per
     *         stored hash: never on an event loop.
     */
    TokenMatch findByToken(final String token)
    {
        TokenMatch found = null;
        // Every hash is tried, even after a match, so that the time taken says nothing about which principal matched.
        for (final Principal principal : byName.values())
        {
            for (final TokenHash hash : principal.tokens())
            {
                if (hash.matches(token) && found == null)
                {
                    found = new TokenMatch(principal, hash);
                }
            }
        }
        return found;
    }

    /**
     * @param certificate a client certificate the TLS handshake verified.
     * @return the principals it names, by subject or by a subject alternative name: usually none or one.
     */
    List<CertificateMatch> findByCertificate(final X509Certificate certificate)
    {
        final Map<Principal, CertificateMatch> found = new LinkedHashMap<>();
        final Principal bySubjectMatch = bySubject.get(certificate.getSubjectX500Principal());
        if (bySubjectMatch != null)
        {
            found.put(bySubjectMatch, new CertificateMatch(bySubjectMatch, Credential.subject(bySubjectMatch)));
        }
        if (!byCertificateName.isEmpty())
        {
            for (final String name : alternativeNames(certificate))
            {
                final Principal principal = byCertificateName.get(name);
                if (principal != null)
                {
                    found.putIfAbsent(principal, new CertificateMatch(principal, Credential.name(principal)));
                }
            }
        }
        return List.copyOf(found.values());
    }

    private static List<String> alternativeNames(final X509Certificate certificate)
    {
        try
        {
            final Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names == null)
            {
                return List.of();
            }
            // Types 1 (e-mail), 2 (DNS), 6 (URI), 7 (IP address) come as text.
            return names.stream().filter(n -> n.size() == 2 && n.get(1) instanceof String)
                .map(n -> (String)n.get(1)).toList();
        }
        catch (final CertificateParsingException ex)
        {
            return List.of();
        }
    }

    /**
     * A token's principal.
     *
     * @param principal who.
     * @param hash which of its hashes the token matched.
     */
    record TokenMatch(Principal principal, TokenHash hash)
    {
    }

    /**
     * A certificate's principal.
     *
     * @param principal who.
     * @param credential what of the certificate named it.
     */
    record CertificateMatch(Principal principal, Credential credential)
    {
    }
}
