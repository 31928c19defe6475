package io.sluice.server.security;

/**
 * What proved a connection's principal, kept with the connection so that a reload can tell whether it still does:
 * a token's hash the principal still lists, the certificate subject or name it still has, or one of the built-in
 * principals (the relay's auth-token, nobody when nothing is checked, the relay's own clients).
 *
 * @param kind which kind of proof.
 * @param value the hash's text, the subject or the name; empty for the built-in kinds.
 */
record Credential(Kind kind, String value)
{
    /** Kinds of proof. */
    enum Kind
    {
        TOKEN, CERTIFICATE_SUBJECT, CERTIFICATE_NAME, AUTH_TOKEN, NONE, INTERNAL
    }

    static final Credential AUTH_TOKEN = new Credential(Kind.AUTH_TOKEN, "");
    static final Credential NONE = new Credential(Kind.NONE, "");
    static final Credential INTERNAL = new Credential(Kind.INTERNAL, "");

    static Credential token(final TokenHash hash)
    {
        return new Credential(Kind.TOKEN, hash.text());
    }

    static Credential subject(final Principal principal)
    {
        return new Credential(Kind.CERTIFICATE_SUBJECT, principal.certificateSubject().getName());
    }

    static Credential name(final Principal principal)
    {
        return new Credential(Kind.CERTIFICATE_NAME, principal.certificateName());
    }

    /**
     * @param principal the principal as a reload has it now.
     * @return whether this still proves it.
     */
    boolean stillProves(final Principal principal)
    {
        return switch (kind)
        {
            case TOKEN -> principal.tokens().stream().anyMatch(hash -> hash.text().equals(value));
            case CERTIFICATE_SUBJECT -> principal.certificateSubject() != null &&
                principal.certificateSubject().getName().equals(value);
            case CERTIFICATE_NAME -> value.equals(principal.certificateName());
            case AUTH_TOKEN, NONE, INTERNAL -> true;
        };
    }

    /** The kind only: the value may be a token's hash, which logs should not carry. */
    @Override
    public String toString()
    {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
