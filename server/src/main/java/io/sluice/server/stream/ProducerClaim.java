package io.sluice.server.stream;

import io.netty.channel.Channel;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.ProtocolException;

import java.util.function.Consumer;

/**
 * One connection's claim on a producer id of its stream's {@link ProducerRegistry}: granted at once, or after the
 * connection it fences has let go. Once granted it carries the source id and the next expected sequence for the
 * WELCOME; the publisher's handler {@link #attach() attaches} to it and {@link #release(long) releases} it with the
 * last sequence its lanes accepted when the connection ends. A claim never attached is released by the
 * connection's close.
 */
public final class ProducerClaim
{
    private final ProducerRegistry registry;
    private final State state;
    private final Channel channel;
    private final Consumer<ProducerClaim> onGranted;
    // Set under the registry's lock; read on the channel's event loop after the grant's hand-off to it.
    private int sourceId;
    private long nextSequence;
    // Channel's event loop only.
    private boolean attached;

    ProducerClaim(final ProducerRegistry registry, final State state, final Channel channel,
        final Consumer<ProducerClaim> onGranted)
    {
        this.registry = registry;
        this.state = state;
        this.channel = channel;
        this.onGranted = onGranted;
    }

    /** @return the producer id. */
    public long producerId()
    {
        return state.producerId;
    }

    /** @return the source id the producer id keeps: valid once granted. */
    public int sourceId()
    {
        return sourceId;
    }

    /** @return the next sequence the relay expects from the producer id: valid once granted. */
    public long nextSequence()
    {
        return nextSequence;
    }

    /** Channel's event loop: the publisher's handler took the claim over; it releases it from now on. */
    public void attach()
    {
        attached = true;
    }

    /**
     * Lets go of the producer id, remembering the last sequence the stream's lanes accepted from it.
     *
     * @param lastAccepted the last accepted sequence: {@link #nextSequence()} - 1 when nothing new was.
     */
    public void release(final long lastAccepted)
    {
        registry.release(this, lastAccepted);
    }

    State state()
    {
        return state;
    }

    // Registry's lock held.
    void granted()
    {
        sourceId = state.sourceId;
        nextSequence = state.nextSequence;
    }

    void dispatchGrant()
    {
        channel.eventLoop().execute(() ->
        {
            if (!channel.isActive())
            {
                release(nextSequence - 1);
                return;
            }
            onGranted.accept(this);
        });
    }

    // The connection ends with ERROR PRODUCER_FENCED; its handler releases the claim when it has closed.
    void fence(final String text)
    {
        channel.eventLoop().execute(() ->
            channel.pipeline().fireExceptionCaught(new ProtocolException(ErrorCode.PRODUCER_FENCED, text)));
    }

    void releaseIfUnattached()
    {
        if (!attached)
        {
            release(nextSequence - 1);
        }
    }

    /** What the registry remembers of a producer id; guarded by the registry's lock. */
    static final class State
    {
        final long producerId;
        final int sourceId;
        int epoch;
        long nextSequence;
        ProducerClaim owner;
        ProducerClaim waiter;

        State(final long producerId, final int sourceId, final int epoch)
        {
            this.producerId = producerId;
            this.sourceId = sourceId;
            this.epoch = epoch;
        }
    }
}
