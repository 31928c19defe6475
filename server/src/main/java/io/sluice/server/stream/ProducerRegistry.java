package io.sluice.server.stream;

import io.netty.channel.Channel;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.ProtocolException;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * A stream's memory of its identified publishers (protocol.md §4.2): per producer id, the source id it keeps across
 * connections, the last epoch seen, the next sequence the relay expects, and which connection holds it. One
 * connection per producer id: a higher epoch fences the holder, and its successor is granted the id once the holder
 * has released it with the sequence its lanes accepted, so nothing the old connection delivers can be resent as new.
 * <p>
 * Lives and dies with its {@link Stream}: a relay restart or the stream's idle removal forgets it. At most
 * {@link #MAX_IDLE_PRODUCER_IDS} producer ids without a connection are kept; past that the one idle longest is
 * forgotten. Producer ids with a connection are bounded by the relay's connection limits.
 * <p>
 * Any thread: a HELLO and a connection's close touch it once each, under this object's lock; nothing on the path
 * of a message does.
 */
public final class ProducerRegistry
{
    /** Producer ids without a connection that one stream remembers. */
    public static final int MAX_IDLE_PRODUCER_IDS = 4096;

    private final String streamName;
    private final int maxIdle;
    // In the order they last became idle (or were created), so the first idle one is the one idle longest.
    private final LinkedHashMap<Long, ProducerClaim.State> states = new LinkedHashMap<>();
    private int idle;

    /**
     * @param streamName the stream's name, for the refusals' text.
     */
    public ProducerRegistry(final String streamName)
    {
        this(streamName, MAX_IDLE_PRODUCER_IDS);
    }

    /**
     * @param maxIdle producer ids without a connection to remember; tests make it small.
     */
    public ProducerRegistry(final String streamName, final int maxIdle)
    {
        this.streamName = streamName;
        this.maxIdle = maxIdle;
    }

    /**
     * Claims a producer id for a connection whose HELLO gave it. {@code onGranted} runs on the connection's event loop
     * once the id is the connection's (at once when nobody holds it; after the holder's release when a higher epoch
     * fences it), unless the connection closed first.
     *
     * @param producerId the HELLO's producer id.
     * @param epoch the HELLO's epoch.
     * @param channel the connection.
     * @param newSourceId gives a source id to a producer id seen for the first time.
     * @param onGranted what the connection does with the id: its WELCOME.
     * @return the connection's claim.
     * @throws ProtocolException {@link ErrorCode#PRODUCER_FENCED} when the epoch is lower than the one known, or equal
     * to that of the connection that holds the id.
     */
    public ProducerClaim claim(final long producerId, final int epoch, final Channel channel,
        final IntSupplier newSourceId, final Consumer<ProducerClaim> onGranted)
    {
        final ProducerClaim claim;
        final ProducerClaim fenced;
        final ProducerClaim replacedWaiter;
        synchronized (this)
        {
            ProducerClaim.State state = states.get(producerId);
            if (state == null)
            {
                state = new ProducerClaim.State(producerId, newSourceId.getAsInt(), epoch);
                states.put(producerId, state);
                idle++;
            }
            else if (epoch < state.epoch)
            {
                throw fenced(producerId, "has epoch " + state.epoch + ": epoch " + epoch + " is fenced");
            }
            else if (state.owner != null && epoch == state.epoch)
            {
                throw fenced(producerId, "is already connected with epoch " + epoch);
            }
            claim = new ProducerClaim(this, state, channel, onGranted);
            state.epoch = epoch;
            if (state.owner == null)
            {
                idle--;
                state.owner = claim;
                claim.granted();
                fenced = null;
                replacedWaiter = null;
            }
            else
            {
                fenced = state.owner;
                replacedWaiter = state.waiter;
                state.waiter = claim;
            }
        }
        final String takenOver = "producer " + producerId + " of stream '" + streamName + "' was taken over by epoch " +
            epoch;
        if (replacedWaiter != null)
        {
            replacedWaiter.fence(takenOver);
        }
        if (fenced != null)
        {
            fenced.fence(takenOver);
        }
        else
        {
            claim.dispatchGrant();
        }
        channel.closeFuture().addListener(f -> claim.releaseIfUnattached());
        return claim;
    }

    // The holder let go: it closed, or was fenced and closed. A waiter, if any, holds the id from now on.
    void release(final ProducerClaim claim, final long lastAccepted)
    {
        final ProducerClaim next;
        synchronized (this)
        {
            final ProducerClaim.State state = claim.state();
            if (state.owner != claim)
            {
                return;
            }
            state.nextSequence = Math.max(state.nextSequence, lastAccepted + 1);
            next = state.waiter;
            state.waiter = null;
            state.owner = next;
            if (next != null)
            {
                next.granted();
            }
            else
            {
                states.remove(state.producerId);
                states.put(state.producerId, state);
                idle++;
                forgetIdleBeyondCap();
            }
        }
        if (next != null)
        {
            next.dispatchGrant();
        }
    }

    private void forgetIdleBeyondCap()
    {
        final Iterator<ProducerClaim.State> it = states.values().iterator();
        while (idle > maxIdle && it.hasNext())
        {
            final ProducerClaim.State state = it.next();
            if (state.owner == null && state.waiter == null)
            {
                it.remove();
                idle--;
            }
        }
    }

    /** @return producer ids remembered now, with a connection or not. */
    public synchronized int size()
    {
        return states.size();
    }

    private ProtocolException fenced(final long producerId, final String what)
    {
        return new ProtocolException(ErrorCode.PRODUCER_FENCED,
            "producer " + producerId + " of stream '" + streamName + "' " + what);
    }
}
