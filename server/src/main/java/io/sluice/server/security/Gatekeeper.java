package io.sluice.server.security;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Hello;
import io.sluice.core.protocol.ProtocolException;
import io.sluice.core.protocol.Role;
import io.sluice.core.util.EpochClock;
import io.sluice.core.util.RateLimitedLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Who gets into the relay and what they may do there. The relay calls it at two points: as it accepts a connection
 * ({@link #accept}: the relay-wide connection limits, then TLS or the check that a plain port gets no TLS), and when
 * the connection's HELLO arrives ({@link #admit}: authentication, permissions, the principal's limits). It keeps the
 * principals and the TLS context in use, reloads them ({@link #reload}, on SIGHUP and when the files change), and
 * closes the connections a reload takes rights from.
 * <p>
 * Authentication: a connection on the relay's port is the principal its client certificate names (mutual TLS), or
 * the one its token's hash matches, or {@code default} when it carries the relay's auth-token; with neither a
 * principals file nor an auth-token it is {@code anonymous}, with every right. Tokens are checked by PBKDF2, slow on
 * purpose: a token not seen since the last reload is checked on a thread of its own, never on an event loop, and
 * then remembered (as its SHA-256) until the next reload ({@link TokenVerifier}). What went wrong goes to the log
 * with the peer's address and to {@code sluice_auth_failures_total{reason}}; the client is told only
 * {@code AUTH_FAILED}. The admitted connections are kept by {@link AdmittedSessions}, the files by
 * {@link SecurityFiles}.
 */
public final class Gatekeeper implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Gatekeeper.class);
    private static final AttributeKey<Connection> CONNECTION = AttributeKey.valueOf("sluice.connection");
    /** The loopback listener's own bound on connections awaiting their HELLO: the relay's bridges are few. */
    private static final int INTERNAL_MAX_UNAUTHENTICATED = 64;
    private static final int LOG_LINES_PER_SECOND = 10;

    private final SecurityConfig config;
    private final String authToken;
    private final int maxFrameLength;
    private final int handshakeTimeoutMs;
    private final SecurityMetrics metrics = new SecurityMetrics();
    private final RateLimitedLogger warnings = new RateLimitedLogger(LOG, LOG_LINES_PER_SECOND);
    private final ConnectionLimits relayLimits;
    private final ConnectionLimits internalLimits;
    private final AdmittedSessions sessions = new AdmittedSessions(metrics);
    private final TokenVerifier tokens;
    private final SecurityFiles files;
    private final String internalToken = TokenHash.newToken();
    private final MetricsAccess metricsAccess;
    private volatile Principals principals;
    private volatile TlsMaterial tls;

    /**
     * Reads the principals file, the TLS files and the metrics token file, and starts watching them.
     *
     * @param config the security settings.
     * @param authToken the relay's auth-token (principal {@code default}), or empty.
     * @param maxFrameLength the relay's max-frame-length.
     * @param handshakeTimeoutMs how long a TLS handshake may take (the relay's hello timeout).
     * @throws IllegalArgumentException naming the file that cannot be read, or the setting at fault.
     */
    public Gatekeeper(final SecurityConfig config, final String authToken, final int maxFrameLength,
        final int handshakeTimeoutMs)
    {
        this.config = config;
        this.authToken = authToken;
        this.maxFrameLength = maxFrameLength;
        this.handshakeTimeoutMs = handshakeTimeoutMs;
        this.relayLimits = new ConnectionLimits(config.maxConnections(), config.maxUnauthenticatedConnections(),
            metrics.unauthenticatedCounter());
        this.internalLimits =
            new ConnectionLimits(Integer.MAX_VALUE, INTERNAL_MAX_UNAUTHENTICATED, new AtomicInteger());
        this.files = new SecurityFiles(config);
        final SecurityFiles.Contents contents = files.load();
        this.principals = contents.principals();
        this.tls = contents.tls();
        this.metricsAccess = new MetricsAccess(contents.metricsToken(),
            tls != null && config.tls().metrics() ? tls : null);
        metrics.certificate(tls == null ? null : tls.notAfter());
        this.tokens = new TokenVerifier();
        files.watch(this::reload);
        if (tls != null)
        {
            LOG.info(
                "TLS on the relay's port: {}, client certificates {}", tls, config.tls().clientAuth().configName());
        }
        if (config.principalsFile() != null)
        {
            LOG.info("{} principals from {}", principals.all().size(), config.principalsFile());
        }
    }

    /** @return counters and gauges. */
    public SecurityMetrics metrics()
    {
        return metrics;
    }

    /** @return who may read the metrics port, and its HTTPS context. */
    public MetricsAccess metricsAccess()
    {
        return metricsAccess;
    }

    /** @return whether the relay's port speaks TLS. */
    public boolean tls()
    {
        return tls != null;
    }

    /**
     * @param host the loopback address of the relay's listener for its own clients.
     * @param port its port.
     * @return how the relay's own clients connect.
     */
    public InternalAccess internalAccess(final String host, final int port)
    {
        return new InternalAccess(host, port, internalToken);
    }

    // --- accept ---

    /**
     * On the channel's event loop, as it is accepted and before anything else is in its pipeline: counts it against
     * the connection limits and, when they allow it, puts TLS (or the check for it) first in the pipeline.
     *
     * @param ch the new connection.
     * @param internal whether it came to the loopback listener for the relay's own clients.
     * @return whether it may stay; when not it is being refused and closed, and the caller adds nothing.
     */
    public boolean accept(final Channel ch, final boolean internal)
    {
        final ConnectionLimits limits = internal ? internalLimits : relayLimits;
        final SecurityMetrics.Limit refused = limits.tryOpen();
        if (refused != null)
        {
            refuse(ch, limits, refused, internal);
            return false;
        }
        final Connection connection = new Connection(limits, internal);
        ch.attr(CONNECTION).set(connection);
        ch.closeFuture().addListener(f -> closed(connection));
        if (!internal)
        {
            final TlsMaterial material = tls;
            ch.pipeline().addLast("tls-detect", new TlsDetector(
                material == null ? null : () -> newSslHandler(ch, material),
                () -> metrics.onAuthFailure(AuthFailure.TLS_MISMATCH)));
        }
        return true;
    }

    private void refuse(final Channel ch, final ConnectionLimits limits, final SecurityMetrics.Limit limit,
        final boolean internal)
    {
        metrics.onLimitRefusal(limit);
        final int max = limit == SecurityMetrics.Limit.MAX_CONNECTIONS ? limits.maxConnections() :
            limits.maxUnauthenticated();
        final String text = "the relay has " + max + (limit == SecurityMetrics.Limit.MAX_CONNECTIONS ?
            " connections, its " : " connections awaiting their HELLO, its ") + limit.label();
        warnings.warn("refusing connection from {}: {}", ch.remoteAddress(), text);
        if (tls != null && !internal)
        {
            // Not worth a TLS handshake, which is what the limit spares.
            ch.close();
            return;
        }
        ch.writeAndFlush(Frames.error(ch.alloc(), ErrorCode.TOO_MANY_CONNECTIONS, text, EpochClock.nanos()))
            .addListener(ChannelFutureListener.CLOSE);
    }

    private SslHandler newSslHandler(final Channel ch, final TlsMaterial material)
    {
        final SslHandler handler = material.context().newHandler(ch.alloc());
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMs);
        handler.handshakeFuture().addListener(f ->
        {
            if (!f.isSuccess())
            {
                metrics.onAuthFailure(AuthFailure.TLS_HANDSHAKE);
                warnings.warn("TLS handshake with {} failed: {}", ch.remoteAddress(), describe(f.cause()));
            }
        });
        return handler;
    }

    private static String describe(final Throwable cause)
    {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root)
        {
            root = root.getCause();
        }
        return root == cause ? String.valueOf(cause) : cause + " (" + root + ")";
    }

    private void closed(final Connection connection)
    {
        connection.limits.closed(connection.session != null);
        final AdmittedSessions.Session session = connection.session;
        if (session != null)
        {
            sessions.closed(session);
        }
    }

    // --- admit ---

    /**
     * On the channel's event loop, for its HELLO: finds the principal, checks its permission for the stream, role and
     * durable subscription and its limits, and passes what it was admitted as to {@code then}, on the event loop:
     * at once, or later when the token must be checked first (the caller stops reading meanwhile).
     *
     * @param ctx the HELLO handler's context.
     * @param hello the HELLO.
     * @param then what to do once admitted; not called when refused.
     * @throws ProtocolException AUTH_FAILED, PERMISSION_DENIED, TOO_MANY_CONNECTIONS or TOO_MANY_SUBSCRIPTIONS
     *                           when refused at once; a refusal found later goes to {@code ctx.fireExceptionCaught}.
     */
    public void admit(final ChannelHandlerContext ctx, final Hello hello, final Consumer<Admission> then)
    {
        final Channel ch = ctx.channel();
        final Connection connection = ch.attr(CONNECTION).get();
        if (connection.internal)
        {
            if (!TokenVerifier.equalInConstantTime(hello.authToken(), internalToken))
            {
                throw authFailure(ch, AuthFailure.NOT_INTERNAL, "the loopback listener takes the relay's own clients");
            }
            admitted(ch, connection, hello, Principal.unrestricted(Principal.INTERNAL), Credential.INTERNAL, then);
            return;
        }
        if (config.principalsFile() == null && authToken.isEmpty())
        {
            admitted(ch, connection, hello, Principal.unrestricted(Principal.ANONYMOUS), Credential.NONE, then);
            return;
        }
        final Principals current = principals;
        final X509Certificate certificate = peerCertificate(ch);
        final Principals.CertificateMatch byCertificate = byCertificate(ch, current, certificate);
        final String token = hello.authToken();
        if (token.isEmpty())
        {
            if (byCertificate == null)
            {
                throw authFailure(
                    ch, certificate != null ? AuthFailure.UNKNOWN_CERTIFICATE : AuthFailure.NO_CREDENTIALS,
                    certificate != null ? "certificate " + certificate.getSubjectX500Principal().getName() +
                        " names no principal, and no token came with it" : "no token and no client certificate");
            }
            admitted(ch, connection, hello, byCertificate.principal(), byCertificate.credential(), then);
            return;
        }
        if (!authToken.isEmpty() && TokenVerifier.equalInConstantTime(token, authToken))
        {
            checkSamePrincipal(ch, byCertificate, Principal.DEFAULT);
            admitted(ch, connection, hello, Principal.unrestricted(Principal.DEFAULT), Credential.AUTH_TOKEN, then);
            return;
        }
        final String digest = TokenVerifier.digest(token);
        final Principals.TokenMatch known = tokens.remembered(digest, current);
        if (known != null)
        {
            byToken(ch, connection, hello, byCertificate, known, then);
            return;
        }
        final boolean taken = tokens.check(current, token, match -> ctx.executor().execute(() ->
        {
            if (ctx.isRemoved() || !ch.isActive())
            {
                return;
            }
            try
            {
                if (match == null)
                {
                    throw authFailure(ch, AuthFailure.UNKNOWN_TOKEN, "the token matches no principal");
                }
                if (principals == current)
                {
                    tokens.remember(digest, match);
                }
                byToken(ch, connection, hello, byCertificate, match, then);
            }
            catch (final RuntimeException ex)
            {
                ctx.fireExceptionCaught(ex);
            }
        }));
        if (!taken)
        {
            throw authFailure(ch, AuthFailure.BUSY, TokenVerifier.VERIFY_QUEUE + " tokens already wait to be checked");
        }
    }

    private void byToken(final Channel ch, final Connection connection, final Hello hello,
        final Principals.CertificateMatch byCertificate, final Principals.TokenMatch match,
        final Consumer<Admission> then)
    {
        checkSamePrincipal(ch, byCertificate, match.principal().name());
        admitted(ch, connection, hello, match.principal(), Credential.token(match.hash()), then);
    }

    private Principals.CertificateMatch byCertificate(final Channel ch, final Principals current,
        final X509Certificate certificate)
    {
        if (certificate == null)
        {
            return null;
        }
        final List<Principals.CertificateMatch> matches = current.findByCertificate(certificate);
        if (matches.size() > 1)
        {
            throw authFailure(ch, AuthFailure.AMBIGUOUS_CERTIFICATE, "certificate " +
                certificate.getSubjectX500Principal().getName() + " names " + matches.size() + " principals");
        }
        return matches.isEmpty() ? null : matches.get(0);
    }

    private void checkSamePrincipal(final Channel ch, final Principals.CertificateMatch byCertificate,
        final String byToken)
    {
        if (byCertificate != null && !byCertificate.principal().name().equals(byToken))
        {
            throw authFailure(ch, AuthFailure.CONFLICTING_CREDENTIALS, "the certificate names principal '" +
                byCertificate.principal().name() + "', the token '" + byToken + "'");
        }
    }

    private void admitted(final Channel ch, final Connection connection, final Hello hello, final Principal principal,
        final Credential credential, final Consumer<Admission> then)
    {
        final AdmittedSessions.Session session = sessions.admit(ch, principal, credential,
            hello.role() == Role.PUBLISHER, hello.stream(), hello.subscription());
        connection.session = session;
        connection.limits.authenticated();
        sessions.add(session);
        final PrincipalUsage used = session.usage();
        final PrincipalLimits limits = used == null ? PrincipalLimits.NONE : used.limits();
        final int frame =
            limits.maxFrameLength() > 0 ? Math.min(limits.maxFrameLength(), maxFrameLength) : maxFrameLength;
        then.accept(new Admission(principal.name(), frame, limits.spillQuotaBytes(),
            used == null ? StreamQuota.NONE : used, used == null ? null : used.publishRate()));
    }

    private ProtocolException authFailure(final Channel ch, final AuthFailure reason, final String detail)
    {
        metrics.onAuthFailure(reason);
        warnings.warn("authentication of {} failed ({}): {}", ch.remoteAddress(), reason.label(), detail);
        return new ProtocolException(ErrorCode.AUTH_FAILED, AdmittedSessions.GENERIC_AUTH_FAILURE);
    }

    private static X509Certificate peerCertificate(final Channel ch)
    {
        final SslHandler ssl = ch.pipeline().get(SslHandler.class);
        if (ssl == null)
        {
            return null;
        }
        try
        {
            final Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? x509 : null;
        }
        catch (final SSLPeerUnverifiedException ex)
        {
            return null;
        }
    }

    // --- reload ---

    /**
     * Reads the principals file, the TLS files and the metrics token file again. All or nothing: when one cannot be
     * read or does not check (a key that does not match its certificate), the ones in use stay and the error is
     * logged. Otherwise new connections get the new ones, and connections whose principal is gone, or whose token or
     * certificate no longer proves it, are closed with AUTH_FAILED; those that lost their permission for their
     * stream, role or durable subscription with PERMISSION_DENIED. Others are untouched.
     *
     * @return whether the new files are in use.
     */
    public synchronized boolean reload()
    {
        final SecurityFiles.Contents loaded;
        try
        {
            loaded = files.load();
        }
        catch (final IllegalArgumentException ex)
        {
            metrics.onReload(false);
            LOG.error("reload failed, the settings in use stay: {}", ex.getMessage());
            return false;
        }
        final Principals newPrincipals = loaded.principals();
        final TlsMaterial newTls = loaded.tls();
        principals = newPrincipals;
        tls = newTls;
        metricsAccess.update(loaded.metricsToken(), newTls);
        metrics.certificate(newTls == null ? null : newTls.notAfter());
        tokens.forgetAll();
        sessions.limits(newPrincipals);
        // Counted before any connection is closed: a client that sees its close may read the count.
        metrics.onReload(true);
        final int closed = sessions.recheck(newPrincipals);
        LOG.info("reloaded security settings: {} principals{}; {} connections closed", newPrincipals.all().size(),
            newTls == null ? "" : ", " + newTls, closed);
        return true;
    }

    /** Stops the threads that check tokens and watch files. */
    @Override
    public void close()
    {
        tokens.close();
        files.close();
    }

    /** One connection, from its accept: which listener's limits it counts against, and its session once admitted. */
    private static final class Connection
    {
        final ConnectionLimits limits;
        final boolean internal;
        // Set on the event loop when admitted; read by the close listener, on the same loop.
        AdmittedSessions.Session session;

        Connection(final ConnectionLimits limits, final boolean internal)
        {
            this.limits = limits;
            this.internal = internal;
        }
    }
}
