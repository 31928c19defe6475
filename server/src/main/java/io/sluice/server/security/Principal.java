package io.sluice.server.security;

import javax.security.auth.x500.X500Principal;
import java.util.List;

/**
 * Who a connection speaks for, and what it may do: a name, the credentials that prove it (tokens stored as hashes,
 * a certificate subject or subject alternative name), its permissions and its limits.
 *
 * @param name its name, in logs and errors.
 * @param tokens hashes of the tokens that prove it (several while a token is being replaced).
 * @param certificateSubject the subject of a client certificate that proves it, or null.
 * @param certificateName a subject alternative name (DNS, e-mail, URI or IP) of a client certificate that proves it,
 *                        or null.
 * @param publish streams it may publish to.
 * @param subscribe streams it may subscribe to.
 * @param subscriptions durable subscription names it may use.
 * @param limits its limits.
 */
record Principal(String name, List<TokenHash> tokens, X500Principal certificateSubject, String certificateName,
    Permissions publish, Permissions subscribe, Permissions subscriptions, PrincipalLimits limits)
{
    /** The principal of the relay's {@code auth-token}: every permission, no limits of its own. */
    public static final String DEFAULT = "default";
    /** The principal of every connection when the relay authenticates nobody. */
    public static final String ANONYMOUS = "anonymous";
    /** The relay's own clients (its bridges), on its loopback listener for them. */
    public static final String INTERNAL = "internal";

    Principal
    {
        tokens = List.copyOf(tokens);
    }

    /**
     * @param name a built-in principal's name.
     * @return a principal with every permission and no limits, proven by nothing stored here.
     */
    static Principal unrestricted(final String name)
    {
        return new Principal(name, List.of(), null, null, Permissions.ALL, Permissions.ALL, Permissions.ALL,
            PrincipalLimits.NONE);
    }

    /**
     * @param publisher whether the role is publishing.
     * @param stream the stream.
     * @return whether it may use the stream in that role.
     */
    boolean may(final boolean publisher, final String stream)
    {
        return (publisher ? publish : subscribe).permits(stream);
    }

    /** Without its credentials: a record prints its components. */
    @Override
    public String toString()
    {
        return "principal '" + name + "'";
    }
}
