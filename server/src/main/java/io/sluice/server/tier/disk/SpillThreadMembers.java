package io.sluice.server.tier.disk;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.DynamicCompositeAgent;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Queue;

/**
 * The first member of the spill thread's {@link DynamicCompositeAgent}, so that it runs before the others each turn:
 * it runs submitted tasks, and is the one path by which agents join and leave the composite. A composite takes one
 * addition and one removal per turn, so agents wait their turn here, in order: those joining (from any thread) and
 * those leaving (the spill thread, once finished). When the worker stops, it lets everything waiting join, runs the
 * last tasks and ends the loop; the composite then closes every member in the order they joined.
 */
final class SpillThreadMembers implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(SpillWorker.class);

    private final Queue<Agent> joining = new ManyToOneConcurrentLinkedQueue<>();
    private final ArrayDeque<Agent> leaving = new ArrayDeque<>();
    private final Queue<Runnable> tasks = new ManyToOneConcurrentLinkedQueue<>();
    private DynamicCompositeAgent composite;
    private volatile boolean stopping;

    /** Before the composite starts: the agent this one admits members to. */
    void memberOf(final DynamicCompositeAgent composite)
    {
        this.composite = composite;
    }

    /** Any thread: {@code agent} joins the composite on one of the next turns (its {@code onStart} runs then). */
    void join(final Agent agent)
    {
        joining.add(agent);
    }

    /** Spill thread: {@code agent} leaves the composite on one of the next turns (its {@code onClose} runs then). */
    void leave(final Agent agent)
    {
        leaving.add(agent);
    }

    /** Any thread: runs {@code task} once, on the next turn, before the other members. */
    void submit(final Runnable task)
    {
        tasks.add(task);
    }

    /** Any thread: finish what waits and end the loop. */
    void stop()
    {
        stopping = true;
    }

    @Override
    public int doWork()
    {
        int work = runTasks();
        if (!joining.isEmpty() && composite.hasAddAgentCompleted())
        {
            composite.tryAdd(joining.poll());
            work++;
        }
        if (!leaving.isEmpty() && composite.hasRemoveAgentCompleted())
        {
            composite.tryRemove(leaving.poll());
            work++;
        }
        if (stopping && work == 0 && joining.isEmpty() && composite.hasAddAgentCompleted())
        {
            throw new AgentTerminationException(true);
        }
        return work;
    }

    /** Whatever never joined is closed too (it cannot have started any disk work), after the tasks still waiting. */
    @Override
    public void onClose()
    {
        runTasks();
        Agent agent;
        while ((agent = joining.poll()) != null)
        {
            try
            {
                agent.onClose();
            }
            catch (final Throwable ex)
            {
                LOG.error("closing spill thread member {}", agent.roleName(), ex);
            }
        }
    }

    @Override
    public String roleName()
    {
        return "spill-thread-members";
    }

    private int runTasks()
    {
        int work = 0;
        Runnable task;
        while ((task = tasks.poll()) != null)
        {
            try
            {
                task.run();
            }
            catch (final Throwable ex)
            {
                LOG.error("spill thread task failed", ex);
            }
            work++;
        }
        return work;
    }
}
