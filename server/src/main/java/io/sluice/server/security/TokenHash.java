package io.sluice.server.security;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * A token stored as a salted hash: PBKDF2 with HMAC-SHA256 (in every JDK), written as one line,
 * <pre>
 *   pbkdf2-sha256:ITERATIONS:SALT:HASH
 * </pre>
 * with the salt (16 bytes) and the hash (32 bytes) in base64 without padding. Each principal has its own salt, so
 * two principals with the same token have different hashes, and a stolen principals file gives an attacker only the
 * slow way to a token: one PBKDF2 per guess. Tokens made by {@code sluice hash-token --generate} are 32 random bytes,
 * which no number of guesses finds. A token offered is checked by hashing it with the stored salt and iterations and
 * comparing in constant time.
 *
 * @param iterations PBKDF2 iterations.
 * @param salt the salt.
 * @param hash the derived key.
 */
public record TokenHash(int iterations, byte[] salt, byte[] hash)
{
    /** The scheme's name, first in the text form. */
    public static final String SCHEME = "pbkdf2-sha256";
    /**
     * Iterations {@code sluice hash-token} uses unless told otherwise: about 50 ms of one core here, paid once per
     * connection whose token the relay has not seen before (then it is remembered).
     */
    public static final int DEFAULT_ITERATIONS = 100_000;
    /** Fewest iterations accepted in a principals file. */
    public static final int MIN_ITERATIONS = 1_000;
    private static final int MAX_ITERATIONS = 10_000_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * @throws IllegalArgumentException when a part is out of range.
     */
    public TokenHash
    {
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS)
        {
            throw new IllegalArgumentException(
                "iterations must be " + MIN_ITERATIONS + ".." + MAX_ITERATIONS + ", was " + iterations);
        }
        if (salt.length < 8 || hash.length != HASH_BYTES)
        {
            throw new IllegalArgumentException("salt must be at least 8 bytes and the hash " + HASH_BYTES + " bytes");
        }
        salt = salt.clone();
        hash = hash.clone();
    }

    /**
     * @param token the token.
     * @param iterations PBKDF2 iterations.
     * @return its hash with a new random salt.
     */
    public static TokenHash of(final String token, final int iterations)
    {
        final byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return new TokenHash(iterations, salt, derive(token, salt, iterations));
    }

    /**
     * @return a new token: 32 random bytes in base64url, 43 characters.
     */
    public static String newToken()
    {
        final byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * @param text {@code pbkdf2-sha256:ITERATIONS:SALT:HASH}.
     * @return the hash.
     * @throws IllegalArgumentException saying what is wrong, never repeating the text (it is a secret of sorts).
     */
    public static TokenHash parse(final String text)
    {
        final String[] parts = text.strip().split(":", -1);
        if (parts.length != 4 || !SCHEME.equals(parts[0]))
        {
            throw new IllegalArgumentException("not a token hash: expected " + SCHEME +
                ":ITERATIONS:SALT:HASH, as 'sluice hash-token' prints it");
        }
        final int iterations;
        try
        {
            iterations = Integer.parseInt(parts[1]);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("token hash iterations are not a number", ex);
        }
        try
        {
            final Base64.Decoder decoder = Base64.getDecoder();
            return new TokenHash(iterations, decoder.decode(parts[2]), decoder.decode(parts[3]));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("bad token hash: " + ex.getMessage(), ex);
        }
    }

    /**
     * @param token a token offered in a HELLO.
     * @return whether it hashes to this; the comparison takes the same time wherever the hashes differ.
     */
    public boolean matches(final String token)
    {
        return MessageDigest.isEqual(hash, derive(token, salt, iterations));
    }

    private static byte[] derive(final String token, final byte[] salt, final int iterations)
    {
        final char[] chars = token.toCharArray();
        final PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, HASH_BYTES * 8);
        try
        {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JVM", ex);
        }
        finally
        {
            spec.clearPassword();
            Arrays.fill(chars, '\0');
        }
    }

    /** @return the text form, {@code pbkdf2-sha256:ITERATIONS:SALT:HASH}. */
    public String text()
    {
        final Base64.Encoder encoder = Base64.getEncoder().withoutPadding();
        return SCHEME + ":" + iterations + ":" + encoder.encodeToString(salt) + ":" + encoder.encodeToString(hash);
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof TokenHash that && iterations == that.iterations && Arrays.equals(salt, that.salt) &&
            Arrays.equals(hash, that.hash);
    }

    @Override
    public int hashCode()
    {
        return 31 * Arrays.hashCode(salt) + Arrays.hashCode(hash);
    }

    /** Never the hash itself: records print their components, and logs should not carry even a hash. */
    @Override
    public String toString()
    {
        return SCHEME + "(" + iterations + " iterations)";
    }
}
