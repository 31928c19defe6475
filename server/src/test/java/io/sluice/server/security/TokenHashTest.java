package io.sluice.server.security;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenHashTest
{
    @Test
    void aHashMatchesItsTokenOnlyAndSurvivesItsTextForm()
    {
        final TokenHash hash = TokenHash.of("s3cret", TokenHash.MIN_ITERATIONS);
        assertTrue(hash.matches("s3cret"));
        assertFalse(hash.matches("s3cre"));
        assertFalse(hash.matches("s3cret "));
        final TokenHash parsed = TokenHash.parse(hash.text());
        assertEquals(hash, parsed);
        assertTrue(parsed.matches("s3cret"));
        assertTrue(hash.text().startsWith("pbkdf2-sha256:1000:"), hash.text());
    }

    @Test
    void theSameTokenHashesDifferentlyEachTime()
    {
        assertNotEquals(TokenHash.of("same", 1000).text(), TokenHash.of("same", 1000).text());
    }

    @Test
    void generatedTokensAreLongAndDistinct()
    {
        final String token = TokenHash.newToken();
        assertEquals(43, token.length());
        assertNotEquals(token, TokenHash.newToken());
    }

    @Test
    void badTextIsRefusedWithoutRepeatingIt()
    {
        final String secretish = "pbkdf2-sha256:1000:c2FsdHNhbHQ:dG9vc2hvcnQ";
        final IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
            () -> TokenHash.parse(secretish));
        assertFalse(tooShort.getMessage().contains("dG9vc2hvcnQ"), tooShort.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenHash.parse("plain-token"));
        assertThrows(IllegalArgumentException.class, () -> TokenHash.parse("pbkdf2-sha256:10:c2FsdHNhbHQ:" +
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        assertThrows(IllegalArgumentException.class, () -> TokenHash.parse("pbkdf2-sha256:many:c2FsdA:AA"));
        assertFalse(TokenHash.of("x", 1000).toString().contains(":"), "toString shows no hash");
    }
}
