package io.sluice.server.security;

import org.junit.jupiter.api.Test;

import javax.security.auth.x500.X500Principal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrincipalsFileTest
{
    private static final String FILE = "principals.yaml";
    private static final String HASH = TokenHash.of("alice-token", TokenHash.MIN_ITERATIONS).text();

    private static Principals parse(final String yaml)
    {
        return PrincipalsFile.parse(yaml, FILE);
    }

    private static String error(final String yaml)
    {
        return assertThrows(IllegalArgumentException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void readsEveryField()
    {
        final Principals principals = parse("principals:\n" +
            "  alice:\n" +
            "    token: " + HASH + "\n" +
            "    certificate-subject: \"CN=alice, O=Example\"\n" +
            "    certificate-name: alice.clients.example\n" +
            "    publish: {allow: [\"prices.>\"], deny: [\"prices.internal.>\"]}\n" +
            "    subscribe: [\"prices.*\"]\n" +
            "    subscriptions: [alice-audit]\n" +
            "    limits: {max-connections: 10, max-streams: 100, max-subscriptions: 4, max-frame-length: 64KiB,\n" +
            "             spill-quota: 512MiB, publish-rate: 10MiB}\n" +
            "  bob:\n" +
            "    certificate-name: bob.clients.example\n");
        final Principal alice = principals.byName("alice");
        assertEquals(1, alice.tokens().size());
        assertTrue(alice.tokens().get(0).matches("alice-token"));
        assertEquals(new X500Principal("CN=alice,O=Example"), alice.certificateSubject());
        assertEquals("alice.clients.example", alice.certificateName());
        assertTrue(alice.may(true, "prices.eu"));
        assertFalse(alice.may(true, "prices.internal.x"));
        assertTrue(alice.may(false, "prices.eu"));
        assertFalse(alice.may(false, "prices.eu.fx"));
        assertTrue(alice.subscriptions().permits("alice-audit"));
        assertFalse(alice.subscriptions().permits("other"));
        assertEquals(new PrincipalLimits(10, 100, 4, 64 * 1024, 512L << 20, 10L << 20), alice.limits());
        final Principal bob = principals.byName("bob");
        assertFalse(bob.may(true, "anything"), "no publish key: nothing");
        assertFalse(bob.may(false, "anything"), "no subscribe key: nothing");
        assertEquals(PrincipalLimits.NONE, bob.limits());
        assertNull(principals.byName("carol"));
        assertEquals(2, principals.all().size());
    }

    @Test
    void findsAPrincipalByTokenAndNoneForAWrongOne()
    {
        final Principals principals = parse("principals:\n  alice:\n    tokens: [" + HASH + ", " +
            TokenHash.of("next-token", TokenHash.MIN_ITERATIONS).text() + "]\n");
        assertEquals("alice", principals.findByToken("alice-token").principal().name());
        assertEquals("alice", principals.findByToken("next-token").principal().name());
        assertNull(principals.findByToken("bob-token"));
    }

    @Test
    void anEmptyFileHasNoPrincipals()
    {
        assertTrue(parse("").all().isEmpty());
        assertTrue(parse("principals:\n").all().isEmpty());
    }

    @Test
    void namesTheKeyAtFaultAndNeverRepeatsAHash()
    {
        assertEquals("unknown key 'principals.alice.publsh' in principals.yaml (known: token, tokens, "
            + "certificate-subject, certificate-name, publish, subscribe, subscriptions, limits)",
            error("principals:\n  alice:\n    token: " + HASH + "\n    publsh: [x]\n"));
        final String badHash = error("principals:\n  alice:\n    token: pbkdf2-sha256:1000:AAAA:c2VjcmV0\n");
        assertTrue(badHash.startsWith("bad value for 'principals.alice.token' in principals.yaml"), badHash);
        assertFalse(badHash.contains("c2VjcmV0"), badHash);
        assertTrue(error("principals:\n  alice:\n    publish: [x]\n").contains("no credential"));
        assertTrue(error("principals:\n  alice:\n    token: " + HASH + "\n    publish: [\"a.>.b\"]\n")
            .contains("'principals.alice.publish'"));
        assertTrue(error("principals:\n  alice:\n    token: " + HASH + "\n    limits: {max-connections: -1}\n")
            .contains("'principals.alice.limits.max-connections'"));
        assertTrue(error("principals:\n  alice:\n    token: " + HASH + "\n    limits: {publish-rate: fast}\n")
            .contains("'principals.alice.limits.publish-rate'"));
        assertTrue(error("principals:\n  default:\n    token: " + HASH + "\n").contains("built-in"));
        assertTrue(error("principals:\n  alice:\n    certificate-subject: not a dn\n")
            .contains("'principals.alice.certificate-subject'"));
        assertTrue(error("principals:\n  a:\n    certificate-name: x\n  b:\n    certificate-name: x\n")
            .contains("same certificate-name"));
        assertTrue(error("principals:\n  alice: {token: " + HASH + "}\n  alice: {token: " + HASH + "}\n")
            .contains("alice"));
    }
}
