package io.sluice.server.security;

/**
 * Why a connection was refused before it was welcomed, or closed by a reload: the {@code reason} label of
 * {@code sluice_auth_failures_total}, and what the relay's log says. The client is told only {@code AUTH_FAILED}
 * (or {@code TLS_MISMATCH}), whatever the reason.
 */
public enum AuthFailure
{
    /** The relay authenticates clients and the HELLO carried neither a token nor a client certificate. */
    NO_CREDENTIALS("no-credentials"),
    /** The token matches no principal (nor the relay's auth-token). */
    UNKNOWN_TOKEN("unknown-token"),
    /** The client certificate names no principal, and no token came with it. */
    UNKNOWN_CERTIFICATE("unknown-certificate"),
    /** The client certificate names more than one principal. */
    AMBIGUOUS_CERTIFICATE("ambiguous-certificate"),
    /** The token and the client certificate name different principals. */
    CONFLICTING_CREDENTIALS("conflicting-credentials"),
    /** Tokens not seen before queue for checking, and the queue was full. */
    BUSY("busy"),
    /** A connection to the relay's loopback listener for its own clients without the relay's internal token. */
    NOT_INTERNAL("not-internal"),
    /** The TLS handshake failed: an untrusted, expired or missing client certificate, no common protocol, ... */
    TLS_HANDSHAKE("tls-handshake"),
    /** Plain text on a TLS port, or a TLS handshake on a plain port. */
    TLS_MISMATCH("tls-mismatch"),
    /** A reload removed the connection's principal, or the token or certificate name that proved it. */
    REVOKED("revoked");

    private final String label;

    AuthFailure(final String label)
    {
        this.label = label;
    }

    /** @return the metric label and log word. */
    public String label()
    {
        return label;
    }
}
