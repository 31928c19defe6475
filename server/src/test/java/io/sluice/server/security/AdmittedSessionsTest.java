package io.sluice.server.security;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.ProtocolException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdmittedSessionsTest
{
    private static final TokenHash ALICE_TOKEN = TokenHash.of("alice-token", TokenHash.MIN_ITERATIONS);

    private final SecurityMetrics metrics = new SecurityMetrics();
    private final AdmittedSessions sessions = new AdmittedSessions(metrics);
    private final List<Throwable> caught = new ArrayList<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    private static Principal alice(final Permissions publish, final TokenHash token, final PrincipalLimits limits)
    {
        return new Principal("alice", List.of(token), null, null, publish, Permissions.ALL, Permissions.ALL, limits);
    }

    private static Permissions only(final String stream)
    {
        return new Permissions(List.of(NamePattern.of(stream)), List.of());
    }

    private EmbeddedChannel channel()
    {
        final EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter()
        {
            @Override
            public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
            {
                caught.add(cause);
            }
        });
        channels.add(ch);
        return ch;
    }

    private AdmittedSessions.Session admitAlice(final Principal alice, final String stream)
    {
        final AdmittedSessions.Session session = sessions.admit(channel(), alice, Credential.token(ALICE_TOKEN), true,
            stream, "");
        sessions.add(session);
        return session;
    }

    private void runPendingTasks()
    {
        channels.forEach(EmbeddedChannel::runPendingTasks);
    }

    @AfterEach
    void close()
    {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    @Test
    void admitsWithinThePermissionsAndCountsThePrincipalsUse()
    {
        final AdmittedSessions.Session session = admitAlice(alice(only("prices"), ALICE_TOKEN, PrincipalLimits.NONE),
            "prices");

        assertEquals(1, sessions.size());
        assertNotNull(session.usage());
        assertEquals("alice", session.principal);
    }

    @Test
    void builtInPrincipalsUseNothing()
    {
        final AdmittedSessions.Session session = sessions.admit(channel(), Principal.unrestricted(Principal.DEFAULT),
            Credential.AUTH_TOKEN, false, "prices", "durable");

        assertNull(session.usage());
        assertTrue(AdmittedSessions.builtIn(Principal.ANONYMOUS));
        assertTrue(AdmittedSessions.builtIn(Principal.INTERNAL));
    }

    @Test
    void refusesAStreamOutsideThePermissions()
    {
        final Principal alice = alice(only("prices"), ALICE_TOKEN, PrincipalLimits.NONE);

        final ProtocolException refused = assertThrows(ProtocolException.class,
            () -> sessions.admit(channel(), alice, Credential.token(ALICE_TOKEN), true, "orders", ""));

        assertEquals(ErrorCode.PERMISSION_DENIED, refused.code());
        assertEquals("principal 'alice' may not publish to stream 'orders'", refused.getMessage());
        assertEquals(1, metrics.permissionDenials());
        assertEquals(0, sessions.size());
    }

    @Test
    void aClosedSessionGivesBackWhatItTook()
    {
        final Principal alice = alice(Permissions.ALL, ALICE_TOKEN, new PrincipalLimits(1, 0, 0, 0, 0, 0));
        final AdmittedSessions.Session first = admitAlice(alice, "prices");

        assertEquals(ErrorCode.TOO_MANY_CONNECTIONS, assertThrows(ProtocolException.class,
            () -> admitAlice(alice, "prices")).code());

        sessions.closed(first);

        assertEquals(0, sessions.size());
        admitAlice(alice, "prices");
        assertEquals(1, sessions.size());
    }

    @Test
    void aReloadKeepsSessionsThatKeepTheirRights()
    {
        admitAlice(alice(Permissions.ALL, ALICE_TOKEN, PrincipalLimits.NONE), "prices");
        sessions.add(sessions.admit(channel(), Principal.unrestricted(Principal.DEFAULT), Credential.AUTH_TOKEN, true,
            "prices", ""));

        assertEquals(0, sessions.recheck(new Principals(List.of(alice(only("prices"), ALICE_TOKEN,
            PrincipalLimits.NONE)))));
        runPendingTasks();

        assertTrue(caught.isEmpty(), caught::toString);
    }

    @Test
    void aReloadClosesWithAuthFailedWhenThePrincipalOrItsTokenIsGone()
    {
        admitAlice(alice(Permissions.ALL, ALICE_TOKEN, PrincipalLimits.NONE), "prices");
        final TokenHash other = TokenHash.of("new-token", TokenHash.MIN_ITERATIONS);

        assertEquals(1, sessions.recheck(new Principals(List.of(alice(Permissions.ALL, other, PrincipalLimits.NONE)))));
        assertTrue(caught.isEmpty(), "closed on the connection's event loop, not the reloading thread");
        runPendingTasks();

        assertEquals(1, caught.size());
        final ProtocolException error = (ProtocolException)caught.get(0);
        assertEquals(ErrorCode.AUTH_FAILED, error.code());
        assertEquals(AdmittedSessions.GENERIC_AUTH_FAILURE, error.getMessage());
        assertEquals(1, metrics.authFailures(AuthFailure.REVOKED));

        assertEquals(1, sessions.recheck(Principals.NONE), "still admitted until its connection closes");
    }

    @Test
    void aReloadClosesWithPermissionDeniedWhenThePermissionIsGone()
    {
        admitAlice(alice(Permissions.ALL, ALICE_TOKEN, PrincipalLimits.NONE), "orders");

        assertEquals(1, sessions.recheck(new Principals(List.of(alice(only("prices"), ALICE_TOKEN,
            PrincipalLimits.NONE)))));
        runPendingTasks();

        final ProtocolException error = (ProtocolException)caught.get(0);
        assertEquals(ErrorCode.PERMISSION_DENIED, error.code());
        assertEquals("principal 'alice' may not publish to stream 'orders'", error.getMessage());
        assertEquals(1, metrics.permissionDenials());
    }

    @Test
    void newLimitsApplyToWhatIsAlreadyUsed()
    {
        final AdmittedSessions.Session session = admitAlice(alice(Permissions.ALL, ALICE_TOKEN, PrincipalLimits.NONE),
            "prices");
        final PrincipalLimits tighter = new PrincipalLimits(1, 0, 0, 0, 0, 0);

        sessions.limits(new Principals(List.of(alice(Permissions.ALL, ALICE_TOKEN, tighter))));

        assertEquals(tighter, session.usage().limits());
        assertEquals(ErrorCode.TOO_MANY_CONNECTIONS, assertThrows(ProtocolException.class,
            () -> admitAlice(alice(Permissions.ALL, ALICE_TOKEN, tighter), "prices")).code());
    }
}
