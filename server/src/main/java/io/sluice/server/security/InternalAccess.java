package io.sluice.server.security;

/**
 * How the relay's own clients (its bridges) reach it: a listener on the loopback interface, plain TCP whatever the
 * relay's port speaks, that lets in only connections carrying a token made at random when the relay started and
 * kept in its memory alone. They are the built-in principal {@code internal}: every permission, no limits.
 *
 * @param host the loopback address.
 * @param port the listener's port.
 * @param token the token to send in HELLO.
 */
public record InternalAccess(String host, int port, String token)
{
    /** Never the token: a record prints its components. */
    @Override
    public String toString()
    {
        return "internal access on " + host + ":" + port;
    }
}
