package io.sluice.server.stream;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Durable subscription names driven directly: embedded channels stand for connections, their event loops run and
 * their clocks advanced by hand.
 */
class SubscriptionClaimsTest
{
    private final SubscriptionClaims claims = new SubscriptionClaims();
    private final List<String> events = new ArrayList<>();
    private final EmbeddedChannel first = new EmbeddedChannel();
    private final EmbeddedChannel second = new EmbeddedChannel();
    private final EmbeddedChannel third = new EmbeddedChannel();

    @AfterEach
    void close()
    {
        first.finishAndReleaseAll();
        second.finishAndReleaseAll();
        third.finishAndReleaseAll();
    }

    private void claim(final String connection, final EmbeddedChannel channel)
    {
        claims.claim("audit", channel, () -> events.add(connection + " granted"),
            () -> events.add(connection + " refused"));
    }

    @Test
    void aFreeNameIsGrantedAtOnceAndFreeAgainWhenReleased()
    {
        claim("first", first);
        assertEquals(List.of("first granted"), events);
        assertTrue(claims.isHeld("audit"));
        claims.release("audit", first);
        assertFalse(claims.isHeld("audit"));
    }

    @Test
    void aConnectionThatComesWhileTheHolderIsLeavingGetsTheNameWhenItIsReleased()
    {
        claim("first", first);
        claim("second", second);
        second.runPendingTasks();
        assertEquals(List.of("first granted"), events, "the second waits");

        claims.release("audit", first);
        second.runPendingTasks();
        assertEquals(List.of("first granted", "second granted"), events);
        assertTrue(claims.isHeld("audit"));
        second.advanceTimeBy(SubscriptionClaims.TAKEOVER_WAIT_MS, TimeUnit.MILLISECONDS);
        second.runScheduledPendingTasks();
        assertEquals(List.of("first granted", "second granted"), events, "its wait ended with the grant");
        claims.release("audit", second);
        assertFalse(claims.isHeld("audit"));
    }

    @Test
    void aHolderThatStaysHasTheWaiterRefusedAfterTheWait()
    {
        claim("first", first);
        claim("second", second);
        second.advanceTimeBy(SubscriptionClaims.TAKEOVER_WAIT_MS - 1, TimeUnit.MILLISECONDS);
        second.runScheduledPendingTasks();
        assertEquals(List.of("first granted"), events);
        second.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        second.runScheduledPendingTasks();
        assertEquals(List.of("first granted", "second refused"), events);

        claims.release("audit", first);
        second.runPendingTasks();
        assertFalse(claims.isHeld("audit"), "a refused waiter does not get the name later");
        assertEquals(List.of("first granted", "second refused"), events);
    }

    @Test
    void oneWaiterAtATimeAnyOtherIsRefusedAtOnce()
    {
        claim("first", first);
        claim("second", second);
        claim("third", third);
        third.runPendingTasks();
        assertEquals(List.of("first granted", "third refused"), events);
        claims.release("audit", first);
        second.runPendingTasks();
        assertEquals(List.of("first granted", "third refused", "second granted"), events);
    }

    @Test
    void aWaiterThatClosesIsForgottenAndTheNameGoesFreeOnRelease()
    {
        claim("first", first);
        claim("second", second);
        second.close();
        claims.release("audit", first);
        second.runPendingTasks();
        assertEquals(List.of("first granted"), events);
        assertFalse(claims.isHeld("audit"));
        claim("third", third);
        assertEquals(List.of("first granted", "third granted"), events);
    }

    @Test
    void aReleaseByAConnectionThatDoesNotHoldTheNameChangesNothing()
    {
        claim("first", first);
        claims.release("audit", second);
        assertTrue(claims.isHeld("audit"));
        claims.release("other", first);
        assertTrue(claims.isHeld("audit"));
    }
}
