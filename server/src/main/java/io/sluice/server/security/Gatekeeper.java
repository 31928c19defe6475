package io.sluice.server.security;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
 * then remembered (as its SHA-256) until the next reload. What went wrong goes to the log with the peer's address
 * and to {@code sluice_auth_failures_total{reason}}; the client is told only {@code AUTH_FAILED}.
 */
public final class Gatekeeper implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Gatekeeper.class);
    private static final AttributeKey<Connection> CONNECTION = AttributeKey.valueOf("sluice.connection");
    private static final String GENERIC_AUTH_FAILURE = "authentication failed";
    /** The loopback listener's own bound on connections awaiting their HELLO: the relay's bridges are few. */
    private static final int INTERNAL_MAX_UNAUTHENTICATED = 64;
    /** Tokens waiting to be checked; more at once are refused (reason busy) rather than queued without bound. */
    private static final int VERIFY_QUEUE = 256;
    /** Tokens remembered as checked; past it the memory starts afresh. */
    private static final int VERIFIED_TOKENS = 4096;
    private static final int LOG_LINES_PER_SECOND = 10;

    private final SecurityConfig config;
    private final String authToken;
    private final int maxFrameLength;
    private final int handshakeTimeoutMs;
    private final SecurityMetrics metrics = new SecurityMetrics();
    private final RateLimitedLogger warnings = new RateLimitedLogger(LOG, LOG_LINES_PER_SECOND);
    private final ConnectionLimits relayLimits;
    private final ConnectionLimits internalLimits;
    private final Map<String, PrincipalUsage> usage = new ConcurrentHashMap<>();
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final Map<String, Principals.TokenMatch> verifiedTokens = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor verifier;
    private final ScheduledExecutorService reloader;
    private final FileWatch watch;
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
        this.internalLimits = new ConnectionLimits(Integer.MAX_VALUE, INTERNAL_MAX_UNAUTHENTICATED, new AtomicInteger());
        this.principals = config.principalsFile() == null ? Principals.NONE : PrincipalsFile.load(config.principalsFile());
        this.tls = config.tls() == null ? null : TlsMaterial.load(config.tls());
        this.metricsAccess = new MetricsAccess(metricsToken(), tls != null && config.tls().metrics() ? tls : null);
        metrics.certificate(tls == null ? null : tls.notAfter());
        this.watch = new FileWatch(watchedFiles(config));
        this.verifier = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(VERIFY_QUEUE),
            new DefaultThreadFactory("sluice-auth", true));
        if (config.reloadCheckIntervalMs() > 0 && !watch.isEmpty())
        {
            reloader = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("sluice-security-reload", true));
            reloader.scheduleWithFixedDelay(this::reloadIfChanged, config.reloadCheckIntervalMs(),
                config.reloadCheckIntervalMs(), TimeUnit.MILLISECONDS);
        }
        else
        {
            reloader = null;
        }
        if (tls != null)
        {
            LOG.info("TLS on the relay's port: {}, client certificates {}", tls, config.tls().clientAuth().configName());
        }
        if (config.principalsFile() != null)
        {
            LOG.info("{} principals from {}", principals.all().size(), config.principalsFile());
        }
    }

    private static List<Path> watchedFiles(final SecurityConfig config)
    {
        final List<Path> files = new ArrayList<>();
        if (config.principalsFile() != null)
        {
            files.add(config.principalsFile());
        }
        if (config.tls() != null)
        {
            files.add(config.tls().certificate());
            files.add(config.tls().key());
            if (config.tls().clientCa() != null)
            {
                files.add(config.tls().clientCa());
            }
        }
        if (config.metricsTokenFile() != null)
        {
            files.add(config.metricsTokenFile());
        }
        return files;
    }

    private byte[] metricsToken()
    {
        if (config.metricsTokenFile() == null)
        {
            return null;
        }
        final String text = io.sluice.server.RelayConfigFile.readText(config.metricsTokenFile(), "metrics-token-file");
        final String token = text.replaceAll("[\r\n]+$", "");
        if (token.isEmpty())
        {
            throw new IllegalArgumentException("metrics-token-file " + config.metricsTokenFile() + " is empty");
        }
        return token.getBytes(StandardCharsets.UTF_8);
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
            ch.pipeline().addLast("tls-detect", new TlsDetector(material == null ? null : () -> newSslHandler(ch, material),
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
        final Session session = connection.session;
        if (session != null)
        {
            sessions.remove(session);
            if (session.usage != null)
            {
                session.usage.close(session.durable());
            }
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
            if (!equalInConstantTime(hello.authToken(), internalToken))
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
                throw authFailure(ch, certificate != null ? AuthFailure.UNKNOWN_CERTIFICATE : AuthFailure.NO_CREDENTIALS,
                    certificate != null ? "certificate " + certificate.getSubjectX500Principal().getName() +
                        " names no principal, and no token came with it" : "no token and no client certificate");
            }
            admitted(ch, connection, hello, byCertificate.principal(), byCertificate.credential(), then);
            return;
        }
        if (!authToken.isEmpty() && equalInConstantTime(token, authToken))
        {
            checkSamePrincipal(ch, byCertificate, Principal.DEFAULT);
            admitted(ch, connection, hello, Principal.unrestricted(Principal.DEFAULT), Credential.AUTH_TOKEN, then);
            return;
        }
        final String digest = digest(token);
        final Principals.TokenMatch known = verifiedTokens.get(digest);
        if (known != null && current.byName(known.principal().name()) == known.principal())
        {
            byToken(ch, connection, hello, byCertificate, known, then);
            return;
        }
        try
        {
            verifier.execute(() ->
            {
                final Principals.TokenMatch match = current.findByToken(token);
                ctx.executor().execute(() ->
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
                            rememberVerified(digest, match);
                        }
                        byToken(ch, connection, hello, byCertificate, match, then);
                    }
                    catch (final RuntimeException ex)
                    {
                        ctx.fireExceptionCaught(ex);
                    }
                });
            });
        }
        catch (final RejectedExecutionException ex)
        {
            throw authFailure(ch, AuthFailure.BUSY, VERIFY_QUEUE + " tokens already wait to be checked");
        }
    }

    private void rememberVerified(final String digest, final Principals.TokenMatch match)
    {
        if (verifiedTokens.size() >= VERIFIED_TOKENS)
        {
            verifiedTokens.clear();
        }
        verifiedTokens.put(digest, match);
    }

    private void byToken(final Channel ch, final Connection connection, final Hello hello,
        final Principals.CertificateMatch byCertificate, final Principals.TokenMatch match, final Consumer<Admission> then)
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
        final boolean publisher = hello.role() == Role.PUBLISHER;
        final String denied = denial(principal, publisher, hello.stream(), hello.subscription());
        if (denied != null)
        {
            metrics.onPermissionDenied();
            throw new ProtocolException(ErrorCode.PERMISSION_DENIED, denied);
        }
        final PrincipalUsage used = builtIn(principal) ? null :
            usage.computeIfAbsent(principal.name(), n -> new PrincipalUsage(n, principal.limits(), metrics, System::nanoTime));
        final Session session = new Session(ch, principal.name(), credential, publisher, hello.stream(),
            hello.subscription(), used);
        if (used != null)
        {
            used.open(session.durable());
        }
        connection.session = session;
        connection.limits.authenticated();
        sessions.add(session);
        final PrincipalLimits limits = used == null ? PrincipalLimits.NONE : used.limits();
        final int frame = limits.maxFrameLength() > 0 ? Math.min(limits.maxFrameLength(), maxFrameLength) : maxFrameLength;
        then.accept(new Admission(principal.name(), frame, limits.spillQuotaBytes(),
            used == null ? StreamQuota.NONE : used, used == null ? null : used.publishRate()));
    }

    private static boolean builtIn(final Principal principal)
    {
        return Principal.DEFAULT.equals(principal.name()) || Principal.ANONYMOUS.equals(principal.name()) ||
            Principal.INTERNAL.equals(principal.name());
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

    private ProtocolException authFailure(final Channel ch, final AuthFailure reason, final String detail)
    {
        metrics.onAuthFailure(reason);
        warnings.warn("authentication of {} failed ({}): {}", ch.remoteAddress(), reason.label(), detail);
        return new ProtocolException(ErrorCode.AUTH_FAILED, GENERIC_AUTH_FAILURE);
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

    private static boolean equalInConstantTime(final String offered, final String expected)
    {
        return MessageDigest.isEqual(offered.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }

    private static String digest(final String token)
    {
        try
        {
            return Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    // --- reload ---

    private void reloadIfChanged()
    {
        try
        {
            if (watch.changed())
            {
                LOG.info("security files changed: reloading");
                reload();
            }
        }
        catch (final RuntimeException ex)
        {
            LOG.error("checking the security files for changes failed", ex);
        }
    }

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
        final Principals newPrincipals;
        final TlsMaterial newTls;
        final byte[] newMetricsToken;
        try
        {
            newPrincipals = config.principalsFile() == null ? Principals.NONE : PrincipalsFile.load(config.principalsFile());
            newTls = config.tls() == null ? null : TlsMaterial.load(config.tls());
            newMetricsToken = metricsToken();
        }
        catch (final IllegalArgumentException ex)
        {
            metrics.onReload(false);
            LOG.error("reload failed, the settings in use stay: {}", ex.getMessage());
            return false;
        }
        principals = newPrincipals;
        tls = newTls;
        metricsAccess.update(newMetricsToken, newTls);
        metrics.certificate(newTls == null ? null : newTls.notAfter());
        verifiedTokens.clear();
        for (final Principal principal : newPrincipals.all())
        {
            final PrincipalUsage used = usage.get(principal.name());
            if (used != null)
            {
                used.limits(principal.limits());
            }
        }
        // Counted before any connection is closed: a client that sees its close may read the count.
        metrics.onReload(true);
        int closed = 0;
        for (final Session session : sessions)
        {
            closed += recheck(session, newPrincipals) ? 0 : 1;
        }
        LOG.info("reloaded security settings: {} principals{}; {} connections closed", newPrincipals.all().size(),
            newTls == null ? "" : ", " + newTls, closed);
        return true;
    }

    // Whether the session keeps its rights under the new principals; if not, its connection is being closed.
    private boolean recheck(final Session session, final Principals now)
    {
        if (Principal.DEFAULT.equals(session.principal) || Principal.ANONYMOUS.equals(session.principal) ||
            Principal.INTERNAL.equals(session.principal))
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

    /** Stops the threads that check tokens and watch files. */
    @Override
    public void close()
    {
        verifier.shutdownNow();
        if (reloader != null)
        {
            reloader.shutdownNow();
        }
    }

    /** One connection, from its accept: which listener's limits it counts against, and its session once admitted. */
    private static final class Connection
    {
        final ConnectionLimits limits;
        final boolean internal;
        // Set on the event loop when admitted; read by the close listener, on the same loop.
        Session session;

        Connection(final ConnectionLimits limits, final boolean internal)
        {
            this.limits = limits;
            this.internal = internal;
        }
    }

    /** An admitted connection: who it is, what proved it, what it uses; what a reload checks again. */
    private static final class Session
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
    }
}
