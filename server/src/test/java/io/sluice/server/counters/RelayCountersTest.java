package io.sluice.server.counters;

import io.sluice.core.protocol.ErrorCode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class RelayCountersTest
{
    private final RelayCounters counters = new RelayCounters();

    @Test
    void heldBytesKeepTheirPeakAfterTheyAreLetGo()
    {
        counters.onHeldBytes(100);
        counters.onHeldBytes(50);
        counters.onHeldBytes(-120);
        counters.onHeldBytes(10);

        assertEquals(40, counters.heldBytes());
        assertEquals(150, counters.peakHeldBytes());
    }

    @Test
    void messagesAndConnectionsAddUp()
    {
        counters.onConnectionOpened();
        counters.onConnectionOpened();
        counters.onMessagesIn(3, 300);
        counters.onMessagesIn(2, 64);

        assertEquals(2, counters.connectionsOpened());
        assertEquals(5, counters.messagesIn());
        assertEquals(364, counters.bytesIn());
    }

    @Test
    void connectionsCountWhileTheyLastAndAGoneLaneLeavesItsPeak()
    {
        counters.publisherJoined();
        counters.subscriberJoined();
        counters.subscriberJoined();
        counters.subscriberLeft(4096);
        counters.subscriberLeft(1024);
        counters.publisherLeft();

        assertEquals(0, counters.publishers());
        assertEquals(0, counters.subscribers());
        assertEquals(4096, counters.peakOfClosedLanes());
    }

    @Test
    void errorsAreCountedByCodeAndCodesWithNoneAreLeftOut()
    {
        counters.onProtocolError(ErrorCode.FRAME_TOO_LARGE);
        counters.onProtocolError(ErrorCode.FRAME_TOO_LARGE);
        counters.onProtocolError(ErrorCode.HELLO_TIMEOUT);
        counters.onErrorReceived(ErrorCode.INTERNAL);

        assertEquals(2, counters.protocolErrors(ErrorCode.FRAME_TOO_LARGE));
        assertEquals(3, counters.protocolErrors());
        assertEquals(Map.of(ErrorCode.FRAME_TOO_LARGE, 2L, ErrorCode.HELLO_TIMEOUT, 1L),
            counters.protocolErrorsByCode());
        assertEquals(1, counters.errorsReceived(ErrorCode.INTERNAL));
        assertEquals(Map.of(ErrorCode.INTERNAL, 1L), counters.errorsReceivedByCode());
    }

    @Test
    void aRosterHoldsItsMembersUntilTheyLeave()
    {
        final Roster<String> roster = new Roster<>();
        roster.join("a");
        roster.join("b");
        roster.leave("a");
        roster.leave("never joined");

        final List<String> members = new ArrayList<>();
        roster.forEach(members::add);
        assertEquals(List.of("b"), members);
        assertEquals(1, roster.size());
        roster.leave("b");
        assertFalse(roster.iterator().hasNext());
    }
}
