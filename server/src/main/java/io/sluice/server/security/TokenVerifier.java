package io.sluice.server.security;

import io.netty.util.concurrent.DefaultThreadFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Checks tokens against the principals' salted hashes. PBKDF2 ({@link TokenHash}) is slow on purpose, so a token is
 * checked on a thread of its own, never on an event loop, and then remembered by its SHA-256 until the next reload,
 * so that a client reconnecting with a known token is admitted at once. Plain secrets (the relay's auth-token, its
 * internal token) are compared in constant time.
 */
final class TokenVerifier implements AutoCloseable
{
    /** Tokens waiting to be checked; more at once are refused (reason busy) rather than queued without bound. */
    static final int VERIFY_QUEUE = 256;
    /** Tokens remembered as checked; past it the memory starts afresh. */
    static final int VERIFIED_TOKENS = 4096;

    private final Map<String, Principals.TokenMatch> verified = new ConcurrentHashMap<>();
    private final Executor checker;

    /** Checks on one daemon thread, with at most {@link #VERIFY_QUEUE} tokens waiting. */
    TokenVerifier()
    {
        this(new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(VERIFY_QUEUE),
            new DefaultThreadFactory("sluice-auth", true)));
    }

    /**
     * @param checker where tokens are checked; it refuses work with {@link RejectedExecutionException} when full.
     */
    TokenVerifier(final Executor checker)
    {
        this.checker = checker;
    }

    /**
     * @param offered what the client sent.
     * @param expected the secret.
     * @return whether they are equal, in a time that does not depend on where they differ.
     */
    static boolean equalInConstantTime(final String offered, final String expected)
    {
        return MessageDigest.isEqual(offered.getBytes(StandardCharsets.UTF_8),
            expected.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param token a token.
     * @return what it is remembered by: its SHA-256, never the token itself.
     */
    static String digest(final String token)
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

    /**
     * @param digest the token's {@link #digest}.
     * @param current the principals in use.
     * @return the match remembered for it, when its principal is still the one in use; else null.
     */
    Principals.TokenMatch remembered(final String digest, final Principals current)
    {
        final Principals.TokenMatch known = verified.get(digest);
        return known != null && current.byName(known.principal().name()) == known.principal() ? known : null;
    }

    /**
     * Checks a token on the checking thread.
     *
     * @param current the principals to check it against.
     * @param token the token.
     * @param then given the match, or null when it matches no principal; on the checking thread.
     * @return false when too many tokens already wait and this one was not taken.
     */
    boolean check(final Principals current, final String token, final Consumer<Principals.TokenMatch> then)
    {
        try
        {
            checker.execute(() -> then.accept(current.findByToken(token)));
            return true;
        }
        catch (final RejectedExecutionException ex)
        {
            return false;
        }
    }

    /**
     * @param digest the token's {@link #digest}.
     * @param match what it was checked as.
     */
    void remember(final String digest, final Principals.TokenMatch match)
    {
        if (verified.size() >= VERIFIED_TOKENS)
        {
            verified.clear();
        }
        verified.put(digest, match);
    }

    /** A reload: every token is checked again against the new principals. */
    void forgetAll()
    {
        verified.clear();
    }

    /** Stops the checking thread. */
    @Override
    public void close()
    {
        if (checker instanceof ExecutorService service)
        {
            service.shutdownNow();
        }
    }
}
