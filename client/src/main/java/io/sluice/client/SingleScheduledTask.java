package io.sluice.client;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An event loop task scheduled at most once at a time: the thread that marks it scheduled schedules it, and the task
 * marks itself idle when it finds nothing more to do. The mark is a field of the task, so a thread that finds the task
 * already scheduled (the rule at full rate) pays one volatile read.
 */
abstract class SingleScheduledTask implements Runnable
{
    private static final VarHandle SCHEDULED;

    static
    {
        try
        {
            SCHEDULED = MethodHandles.lookup().findVarHandle(SingleScheduledTask.class, "scheduled", boolean.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private volatile boolean scheduled;

    /**
     * @return whether this call marked the task scheduled, and so must schedule it; false when it was already.
     */
    final boolean markScheduled()
    {
        return !scheduled && SCHEDULED.compareAndSet(this, false, true);
    }

    /**
     * The task found nothing more to do: the next {@link #markScheduled()} schedules it again.
     */
    final void markIdle()
    {
        scheduled = false;
    }
}
