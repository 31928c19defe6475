package io.sluice.server.security;

import io.netty.channel.Channel;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The admitted connections and their principals: what each was admitted as (principal, credential, stream, role,
 * durable subscription) and what each principal uses over all its connections ({@link PrincipalUsage}, kept by name
 * across reloads). Admission checks the permissions and takes from the principal's limits; a reload checks every
 * session again and closes those that lost their rights. Sessions are added and removed on their event loops and
 * read by the reloading thread.
 */
final class AdmittedSessions
{
    /** All a refused or revoked client is told, whatever the reason; the reason goes to the log and the metrics. */
    static final String GENERIC_AUTH_FAILURE = "authentication failed";

    /** Gatekeeper's: what a reload closes is logged under the same name as the reload itself. */
    private static final Logger LOG = LoggerFactory.getLogger(Gatekeeper.class);

    private final SecurityMetrics metrics;
    private final Map<String, PrincipalUsage> usage = new ConcurrentHashMap<>();
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();

    AdmittedSessions(final SecurityMetrics metrics)
    {
        this.metrics = metrics;
    }

    /**
     * On the channel's event loop: checks the principal's permission for the stream, role and durable subscription,
     * and takes a connection (and a durable subscription) from its limits. The session counts only once
     * {@link #add}ed.
     *
     * @return the session.
     * @throws ProtocolException PERMISSION_DENIED, TOO_MANY_CONNECTIONS or TOO_MANY_SUBSCRIPTIONS; nothing taken then.
     */
    Session admit(final Channel ch, final Principal principal, final Credential credential, final boolean publisher,
        final String stream, final String subscription)
    {
        final String denied = denial(principal, publisher, stream, subscription);
        if (denied != null)
        {
            metrics.onPermissionDenied();
            throw new ProtocolException(ErrorCode.PERMISSION_DENIED, denied);
        }
        final PrincipalUsage used = builtIn(principal.name()) ? null : usage.computeIfAbsent(principal.name(),
            n -> new PrincipalUsage(n, principal.limits(), metrics, System::nanoTime));
        final Session session = new Session(ch, principal.name(), credential, publisher, stream, subscription, used);
        if (used != null)
        {
            used.open(session.durable());
        }
        return session;
    }

    /** @param session an admitted session, from now on checked again by every reload. */
    void add(final Session session)
    {
        sessions.add(session);
    }

    /** @param session a session whose connection closed: it gives back what it took from its principal's limits. */
    void closed(final Session session)
    {
        sessions.remove(session);
        if (session.usage != null)
        {
            session.usage.close(session.durable());
        }
    }

    /** @return how many sessions are admitted now. */
    int size()
    {
        return sessions.size();
    }

    /**
     * A reload read the principals again: their new limits apply to what they already use.
     *
     * @param now the new principals.
     */
    void limits(final Principals now)
    {
        for (final Principal principal : now.all())
        {
            final PrincipalUsage used = usage.get(principal.name());
            if (used != null)
            {
                used.limits(principal.limits());
            }
        }
    }

    /**
     * Checks every session against the new principals and closes those that lost their rights: AUTH_FAILED when the
     * principal is gone or its credential no longer proves it, PERMISSION_DENIED when it lost the permission.
     *
     * @param now the new principals.
     * @return how many connections are being closed.
     */
    int recheck(final Principals now)
    {
        int closed = 0;
        for (final Session session : sessions)
        {
            closed += recheck(session, now) ? 0 : 1;
        }
        return closed;
    }

    // Whether the session keeps its rights under the new principals; if not, its connection is being closed.
    private boolean recheck(final Session session, final Principals now)
    {
        if (builtIn(session.principal))
        {
            return true;
        }
        final Principal principal = now.byName(session.principal);
        final String revoked = principal == null ? "principal '" + session.principal + "' was removed" :
            !session.credential.stillProves(principal) ? "the " + session.credential + " that proved principal '" +
                session.principal + "' was withdrawn" : null;
        if (revoked != null)
        {
            metrics.onAuthFailure(AuthFailure.REVOKED);
            LOG.warn("closing {} after a reload: {}", session.channel.remoteAddress(), revoked);
            close(session, new ProtocolException(ErrorCode.AUTH_FAILED, GENERIC_AUTH_FAILURE));
            return false;
        }
        final String denied = denial(principal, session.publisher, session.stream, session.subscription);
        if (denied != null)
        {
            metrics.onPermissionDenied();
            LOG.warn("closing {} after a reload: {}", session.channel.remoteAddress(), denied);
            close(session, new ProtocolException(ErrorCode.PERMISSION_DENIED, denied));
            return false;
        }
        return true;
    }

    private static void close(final Session session, final ProtocolException error)
    {
        // Through the pipeline like any protocol error: the last handler sends the ERROR, logs and closes.
        session.channel.eventLoop().execute(() -> session.channel.pipeline().fireExceptionCaught(error));
    }

    /** The built-in principals have every right and no limits of their own: no usage, nothing a reload revokes. */
    static boolean builtIn(final String principal)
    {
        return Principal.DEFAULT.equals(principal) || Principal.ANONYMOUS.equals(principal) ||
            Principal.INTERNAL.equals(principal);
    }

    // Null when allowed, else the text of PERMISSION_DENIED: the stream and the role.
    private static String denial(final Principal principal, final boolean publisher, final String stream,
        final String subscription)
    {
        if (!principal.may(publisher, stream))
        {
            return "principal '" + principal.name() + "' may not " + (publisher ? "publish to" : "subscribe to") +
                " stream '" + stream + "'";
        }
        if (!subscription.isEmpty() && !principal.subscriptions().permits(subscription))
        {
            return "principal '" + principal.name() + "' may not use durable subscription '" + subscription +
                "' (subscribing to stream '" + stream + "')";
        }
        return null;
    }

    /** An admitted connection: who it is, what proved it, what it uses; what a reload checks again. */
    static final class Session
    {
        final Channel channel;
        final String principal;
        final Credential credential;
        final boolean publisher;
        final String stream;
        final String subscription;
        final PrincipalUsage usage;

        Session(final Channel channel, final String principal, final Credential credential, final boolean publisher,
            final String stream, final String subscription, final PrincipalUsage usage)
        {
            this.channel = channel;
            this.principal = principal;
            this.credential = credential;
            this.publisher = publisher;
            this.stream = stream;
            this.subscription = subscription;
            this.usage = usage;
        }

        boolean durable()
        {
            return !subscription.isEmpty();
        }

        /** @return what its principal uses, or null for a built-in principal. */
        PrincipalUsage usage()
        {
            return usage;
        }
    }
}
