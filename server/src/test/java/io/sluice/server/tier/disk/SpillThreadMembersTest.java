package io.sluice.server.tier.disk;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.DynamicCompositeAgent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The spill thread's composite agent driven by hand, without its runner: members join and leave through
 * {@link SpillThreadMembers} in order, tasks run before the members' turns, a duty that throws leaves alone, and
 * stopping lets what waits join before the composite closes every member.
 */
class SpillThreadMembersTest
{
    private final List<String> events = new ArrayList<>();
    private final SpillThreadMembers members = new SpillThreadMembers();
    private final DynamicCompositeAgent composite = new DynamicCompositeAgent("test-spill", members);

    @BeforeEach
    void start()
    {
        members.memberOf(composite);
        composite.onStart();
    }

    private Agent recording(final String name)
    {
        return new Agent()
        {
            @Override
            public void onStart()
            {
                events.add(name + " start");
            }

            @Override
            public int doWork()
            {
                events.add(name + " work");
                return 0;
            }

            @Override
            public void onClose()
            {
                events.add(name + " close");
            }

            @Override
            public String roleName()
            {
                return name;
            }
        };
    }

    private void turns(final int count) throws Exception
    {
        for (int i = 0; i < count; i++)
        {
            composite.doWork();
        }
    }

    @Test
    void membersJoinInOrderOnePerTurnAndLeaveThroughTheSamePath() throws Exception
    {
        final Agent a = recording("a");
        final Agent b = recording("b");
        members.join(a);
        members.join(b);
        turns(3);
        assertEquals(List.of("a start", "a work", "b start", "a work", "b work"), events);

        events.clear();
        members.leave(a);
        turns(2);
        assertEquals(List.of("a work", "b work", "a close", "b work"), events, "a leaves the turn after asking");
        events.clear();
        turns(1);
        assertEquals(List.of("b work"), events);
    }

    @Test
    void tasksRunBeforeTheMembersTurn() throws Exception
    {
        members.join(recording("a"));
        turns(2);
        events.clear();
        members.submit(() -> events.add("task"));
        members.submit(() ->
        {
            throw new IllegalStateException("logged, and the next task still runs");
        });
        members.submit(() -> events.add("task 2"));
        turns(1);
        assertEquals(List.of("task", "task 2", "a work"), events);
    }

    @Test
    void aDutyThatThrowsAnErrorIsClosedAndLeavesAlone() throws Exception
    {
        final Agent faulty = new Agent()
        {
            @Override
            public int doWork()
            {
                throw new InternalError("a fault occurred in an unsafe memory access operation");
            }

            @Override
            public void onClose()
            {
                events.add("faulty close");
            }

            @Override
            public String roleName()
            {
                return "faulty";
            }
        };
        members.join(new SpillDuty(faulty, members::leave));
        members.join(recording("healthy"));
        turns(5);
        assertEquals(1, events.stream().filter("faulty close"::equals).count(), "closed once");
        events.clear();
        turns(1);
        assertEquals(List.of("healthy work"), events);
    }

    @Test
    void stoppingLetsWaitingMembersJoinThenEndsTheLoopAndTheCompositeClosesThemInOrder() throws Exception
    {
        members.join(recording("a"));
        members.join(recording("b"));
        members.submit(() -> events.add("task"));
        members.stop();
        // The loop goes on until both have joined and nothing is left to do.
        final AgentTerminationException end = assertThrows(AgentTerminationException.class, () -> turns(10));
        assertTrue(end.isExpected());
        composite.onClose();
        assertEquals("task", events.get(0));
        assertTrue(events.contains("a start") && events.contains("b start"));
        assertEquals(List.of("a close", "b close"), events.subList(events.size() - 2, events.size()));
    }
}
