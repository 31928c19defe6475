package io.sluice.tools;

import io.sluice.client.BufferClaim;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.Publication;
import io.sluice.client.PublicationEndpoint;
import io.sluice.core.util.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code produce}'s outlet through the client's event loop, of either kind: an exclusive publication that claims room
 * in the memory the socket is written from and copies each payload in once (the default), or a shared one whose offer
 * copies into a ring that the event loop copies again ({@code --offer}). The event loop writes, reads and heartbeats,
 * so the publishing thread owes the connection nothing while it waits: {@link #flush()} and {@link #doWork()} do
 * nothing.
 */
final class EventLoopOutlet implements Outlet
{
    /** Sends one message without blocking: as {@link Outlet#send}. */
    @FunctionalInterface
    interface Send
    {
        long send(UnsafeBuffer payload, int size, int flags, long timestampNanos);
    }

    private final Send send;
    private final PublicationEndpoint publication;

    private EventLoopOutlet(final Send send, final PublicationEndpoint publication)
    {
        this.send = send;
        this.publication = publication;
    }

    static EventLoopOutlet claiming(final ExclusivePublication publication)
    {
        final BufferClaim claim = new BufferClaim();
        final Send claimAndCommit = (payload, size, flags, timestampNanos) ->
        {
            final long result = publication.tryClaim(size, claim);
            if (result > 0)
            {
                claim.putBytes(payload, 0, size);
                if (flags != 0)
                {
                    claim.flags(flags);
                }
                if (timestampNanos != 0)
                {
                    claim.timestampNanos(timestampNanos);
                }
                claim.commit();
            }
            return result;
        };
        return new EventLoopOutlet(claimAndCommit, publication);
    }

    static EventLoopOutlet offering(final Publication publication)
    {
        final Send offer = (payload, size, flags, timestampNanos) -> flags == 0 && timestampNanos == 0 ?
            publication.offer(payload, 0, size) :
            publication.offer(payload, 0, size, flags, timestampNanos != 0 ? timestampNanos : EpochClock.nanos());
        return new EventLoopOutlet(offer, publication);
    }

    @Override
    public long send(final UnsafeBuffer payload, final int size, final int flags, final long timestampNanos)
    {
        return send.send(payload, size, flags, timestampNanos);
    }

    @Override
    public void flush()
    {
        // The event loop writes what is committed.
    }

    @Override
    public int doWork()
    {
        return 0;
    }

    @Override
    public void finishSending()
    {
        // The event loop sends what is committed; AckWait then waits for the relay to have it.
    }

    @Override
    public long firstSequence()
    {
        return publication.firstSequence();
    }

    @Override
    public int maxPayloadLength()
    {
        return publication.maxPayloadLength();
    }

    @Override
    public long ackedSequence()
    {
        return publication.ackedSequence();
    }

    @Override
    public boolean isConnected()
    {
        return publication.isConnected();
    }

    @Override
    public String closeReason()
    {
        return publication.closeReason();
    }

    @Override
    public void close()
    {
        publication.close();
    }
}
