package io.sluice.server.security;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenVerifierTest
{
    private static Principal principal(final String name, final String token)
    {
        return new Principal(name, List.of(TokenHash.of(token, TokenHash.MIN_ITERATIONS)), null, null,
            Permissions.ALL, Permissions.ALL, Permissions.ALL, PrincipalLimits.NONE);
    }

    @Test
    void comparesSecretsWhole()
    {
        assertTrue(TokenVerifier.equalInConstantTime("s3cret", "s3cret"));
        assertFalse(TokenVerifier.equalInConstantTime("s3creT", "s3cret"));
        assertFalse(TokenVerifier.equalInConstantTime("s3cre", "s3cret"));
        assertFalse(TokenVerifier.equalInConstantTime("", "s3cret"));
    }

    @Test
    void remembersATokenByItsSha256()
    {
        final String digest = TokenVerifier.digest("alice-token");

        assertEquals(digest, TokenVerifier.digest("alice-token"));
        assertNotEquals(digest, TokenVerifier.digest("bob-token"));
        assertFalse(digest.contains("alice"));
        assertEquals(44, digest.length(), "base64 of 32 bytes");
    }

    @Test
    void checksOnTheCheckerAndPassesTheMatchOrNull()
    {
        final Principal alice = principal("alice", "alice-token");
        final Principals principals = new Principals(List.of(alice, principal("bob", "bob-token")));
        final List<Runnable> queued = new ArrayList<>();
        final List<Principals.TokenMatch> results = new ArrayList<>();
        final TokenVerifier verifier = new TokenVerifier(queued::add);

        assertTrue(verifier.check(principals, "alice-token", results::add));
        assertTrue(verifier.check(principals, "mallory-token", results::add));
        assertTrue(results.isEmpty(), "nothing is checked on the caller's thread");

        queued.forEach(Runnable::run);

        assertEquals(2, results.size());
        assertSame(alice, results.get(0).principal());
        assertTrue(results.get(0).hash().matches("alice-token"));
        assertNull(results.get(1));
    }

    @Test
    void aFullCheckerRefusesTheToken()
    {
        final List<Principals.TokenMatch> results = new ArrayList<>();
        final TokenVerifier verifier = new TokenVerifier(task ->
        {
            throw new RejectedExecutionException("full");
        });

        assertFalse(verifier.check(Principals.NONE, "token", results::add));
        assertTrue(results.isEmpty());
    }

    @Test
    void aRememberedTokenCountsOnlyWhileItsPrincipalIsTheOneInUse()
    {
        final Principal alice = principal("alice", "alice-token");
        final Principals before = new Principals(List.of(alice));
        final Principals.TokenMatch match = new Principals.TokenMatch(alice, alice.tokens().get(0));
        final TokenVerifier verifier = new TokenVerifier(Runnable::run);
        final String digest = TokenVerifier.digest("alice-token");

        assertNull(verifier.remembered(digest, before));
        verifier.remember(digest, match);
        assertSame(match, verifier.remembered(digest, before));
        // A reload reads alice afresh: the same name is another principal, to be checked again.
        assertNull(verifier.remembered(digest, new Principals(List.of(principal("alice", "alice-token")))));
        assertNull(verifier.remembered(digest, Principals.NONE));

        verifier.forgetAll();
        assertNull(verifier.remembered(digest, before));
    }

    @Test
    void startsAfreshPastTheMostTokensRemembered()
    {
        final Principal alice = principal("alice", "alice-token");
        final Principals principals = new Principals(List.of(alice));
        final Principals.TokenMatch match = new Principals.TokenMatch(alice, alice.tokens().get(0));
        final TokenVerifier verifier = new TokenVerifier(Runnable::run);
        for (int i = 0; i < TokenVerifier.VERIFIED_TOKENS; i++)
        {
            verifier.remember("digest-" + i, match);
        }
        assertSame(match, verifier.remembered("digest-0", principals));

        verifier.remember("one-more", match);

        assertNull(verifier.remembered("digest-0", principals));
        assertSame(match, verifier.remembered("one-more", principals));
    }

    @Test
    void closeStopsTheCheckingThread()
    {
        final ExecutorService checker = Executors.newSingleThreadExecutor();
        new TokenVerifier(checker).close();

        assertTrue(checker.isShutdown());
    }
}
