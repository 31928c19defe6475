package io.sluice.server.tier.disk;

import org.agrona.concurrent.Agent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * Disk work on the spill thread that is not a lane's tier (the relay's dead-letter store), guarded: what it throws,
 * an {@link Error} too, is logged, and the duty is closed and leaves the spill thread while every other member goes
 * on. The guard matters because the composite would otherwise pass the throwable to the runner, which ends the thread
 * on an {@link Error}.
 */
final class SpillDuty implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(SpillWorker.class);

    private final Agent duty;
    private final Consumer<Agent> leave;
    private boolean closed;

    SpillDuty(final Agent duty, final Consumer<Agent> leave)
    {
        this.duty = duty;
        this.leave = leave;
    }

    @Override
    public void onStart()
    {
        try
        {
            duty.onStart();
        }
        catch (final Throwable ex)
        {
            stop(ex);
        }
    }

    @Override
    public int doWork()
    {
        if (closed)
        {
            return 0;
        }
        try
        {
            return duty.doWork();
        }
        catch (final Throwable ex)
        {
            stop(ex);
            return 1;
        }
    }

    private void stop(final Throwable cause)
    {
        LOG.error("spill thread duty {} failed; stopped it", duty.roleName(), cause);
        onClose();
        leave.accept(this);
    }

    @Override
    public void onClose()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            duty.onClose();
        }
        catch (final Throwable ex)
        {
            LOG.error("closing spill thread duty {}", duty.roleName(), ex);
        }
    }

    @Override
    public String roleName()
    {
        return duty.roleName();
    }
}
