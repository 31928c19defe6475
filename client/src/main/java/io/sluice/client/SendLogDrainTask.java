package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

/**
 * An {@link ExclusivePublication}'s event loop task that hands every committed frame to its connection as windows of
 * the {@link SendLog}, and flushes once a pass. At full rate it finds more committed each time it looks and stays
 * scheduled, so the publishing thread pays no task or system call per message; with every window out, the next window
 * to come back schedules it. Closing, it says goodbye once everything committed is sent.
 */
final class SendLogDrainTask extends SingleScheduledTask
{
    private final ExclusivePublication publication;
    private final Channel channel;
    private final EventLoop eventLoop;
    private final SendLog log;

    // Event loop only.
    private boolean closing;
    private boolean closeSent;

    SendLogDrainTask(final ExclusivePublication publication, final SendLog log)
    {
        this.publication = publication;
        this.channel = publication.channel;
        this.eventLoop = publication.eventLoop;
        this.log = log;
    }

    /**
     * A frame was committed: wakes the event loop unless the task is scheduled already. The publishing thread, after
     * the log's volatile store: either the event loop still has the task scheduled and will see the frame, or this sees
     * the mark clear and schedules it.
     */
    void signal()
    {
        if (markScheduled())
        {
            publication.execute(this);
        }
    }

    /**
     * Event loop: schedules a pass if frames wait to be sent (a window came back, or the log sends again what it
     * keeps).
     */
    void drainIfUnsent()
    {
        if (log.hasUnsent() && markScheduled())
        {
            eventLoop.execute(this);
        }
    }

    /**
     * Event loop: sends what is committed, then the goodbye.
     */
    void closeWhenSent()
    {
        closing = true;
        run();
    }

    @Override
    public void run()
    {
        if (!channel.isActive() || closeSent)
        {
            markIdle();
            return;
        }
        boolean wrote = false;
        ByteBuf window;
        while ((window = log.nextWindow()) != null)
        {
            channel.write(window, channel.voidPromise());
            wrote = true;
        }
        if (wrote)
        {
            channel.flush();
        }
        if (log.hasUnsent() && log.hasFreeWindow())
        {
            // Committed meanwhile: still scheduled, so commits made until the next pass need no signal of their own.
            eventLoop.execute(this);
            return;
        }
        // Clear, then look again: a commit that saw the mark still set is in the log now.
        markIdle();
        if (log.hasUnsent() && log.hasFreeWindow() && markScheduled())
        {
            eventLoop.execute(this);
        }
        else if (closing && !closeSent && !log.hasUnsent())
        {
            closeSent = true;
            publication.sendCloseFrameAndAwaitRelay();
        }
    }
}
