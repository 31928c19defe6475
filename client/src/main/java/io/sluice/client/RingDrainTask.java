package io.sluice.client;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

/**
 * A {@link Publication}'s event loop task that drains its ring into its connection. At full rate the loop finds more
 * each time it looks and stays scheduled, so offers rarely pay for a task and an eventfd write.
 */
final class RingDrainTask extends SingleScheduledTask
{
    private final Publication publication;
    private final Channel channel;
    private final EventLoop eventLoop;
    private final RingDrain ringDrain;
    private final AsyncSends asyncSends;
    private final PublicationLine line;
    // Event loop only: the goodbye to say once the ring is empty, after the application closed the publication.
    private Runnable goodbye;

    RingDrainTask(final Publication publication, final RingDrain ringDrain, final AsyncSends asyncSends,
        final PublicationLine line)
    {
        this.publication = publication;
        this.channel = publication.channel;
        this.eventLoop = publication.eventLoop;
        this.ringDrain = ringDrain;
        this.asyncSends = asyncSends;
        this.line = line;
    }

    /**
     * Wakes the event loop to drain, unless the task is scheduled already. Any thread.
     */
    void signal()
    {
        if (markScheduled())
        {
            eventLoop.execute(this);
        }
    }

    /**
     * Event loop: writes everything the ring holds, a pass at a time (for an identified publication, as the relay's
     * ACKs make room in its log), then runs {@code goodbye}.
     */
    void closeWhenDrained(final Runnable goodbye)
    {
        this.goodbye = goodbye;
        if (markScheduled())
        {
            run();
        }
    }

    // Event loop: stamp and write what the ring holds.
    @Override
    public void run()
    {
        if (!channel.isActive())
        {
            markIdle();
            // An offer that raced a resume reached the ring through this one: the publication sending now drains it.
            final Publication sending = line.sending();
            if (sending != publication)
            {
                sending.signalDrain();
            }
            return;
        }
        if (ringDrain.drainTo(channel))
        {
            channel.flush();
        }
        if (ringDrain.hasMore())
        {
            // Still scheduled: offers made meanwhile need no signal of their own.
            eventLoop.execute(this);
        }
        else
        {
            // Clear, then look again: an offer that saw the flag still set before we cleared it is in the ring now.
            markIdle();
            if (ringDrain.hasMore())
            {
                signal();
            }
            else if (goodbye != null)
            {
                final Runnable last = goodbye;
                goodbye = null;
                last.run();
            }
        }
        asyncSends.retryBacklog();
    }
}
