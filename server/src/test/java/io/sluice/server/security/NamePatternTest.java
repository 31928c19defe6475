package io.sluice.server.security;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NamePatternTest
{
    @Test
    void aLiteralMatchesItselfOnly()
    {
        final NamePattern pattern = NamePattern.of("prices.eu");
        assertTrue(pattern.matches("prices.eu"));
        assertFalse(pattern.matches("prices"));
        assertFalse(pattern.matches("prices.eu.fx"));
        assertFalse(pattern.matches("prices.eux"));
        assertFalse(pattern.matches("xprices.eu"));
    }

    @Test
    void aStarMatchesExactlyOneToken()
    {
        final NamePattern pattern = NamePattern.of("prices.*");
        assertTrue(pattern.matches("prices.eu"));
        assertTrue(pattern.matches("prices.us"));
        assertFalse(pattern.matches("prices"));
        assertFalse(pattern.matches("prices."));
        assertFalse(pattern.matches("prices.eu.fx"));
        assertTrue(NamePattern.of("*.eu").matches("prices.eu"));
        assertFalse(NamePattern.of("*.eu").matches("eu"));
        assertTrue(NamePattern.of("a.*.c").matches("a.b.c"));
        assertFalse(NamePattern.of("a.*.c").matches("a..c"));
    }

    @Test
    void aGreaterThanMatchesOneOrMoreTrailingTokens()
    {
        final NamePattern pattern = NamePattern.of("prices.>");
        assertTrue(pattern.matches("prices.eu"));
        assertTrue(pattern.matches("prices.eu.fx"));
        assertFalse(pattern.matches("prices"));
        assertFalse(pattern.matches("pricesx.eu"));
        assertTrue(NamePattern.of(">").matches("anything.at.all"));
        assertTrue(NamePattern.of(">").matches("x"));
    }

    @Test
    void badPatternsAreRefusedWithTheReason()
    {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NamePattern.of("a.>.b")).getMessage()
            .contains("'>' may only be the last token"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NamePattern.of("a..b")).getMessage()
            .contains("empty token"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NamePattern.of("pri*ces")).getMessage()
            .contains("token 'pri*ces'"));
        assertThrows(IllegalArgumentException.class, () -> NamePattern.of(""));
    }

    @Test
    void denyWinsOverAllow()
    {
        final Permissions permissions = new Permissions(List.of(NamePattern.of("prices.>")),
            List.of(NamePattern.of("prices.internal.>")));
        assertTrue(permissions.permits("prices.eu"));
        assertFalse(permissions.permits("prices.internal.audit"));
        assertFalse(permissions.permits("orders"));
        assertFalse(Permissions.NONE.permits("prices.eu"));
        assertTrue(Permissions.ALL.permits("prices.eu"));
        assertEquals("prices.>", permissions.allow().get(0).toString());
    }
}
