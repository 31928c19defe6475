package io.sluice.tools;

import io.sluice.client.BufferClaim;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.Publication;
import io.sluice.client.PublicationEndpoint;
import io.sluice.core.util.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.function.LongSupplier;

/**
 * {@code produce}'s outlet through the client's event loop, of either kind: an exclusive publication that claims room
 * in the memory the socket is written from and copies each payload in once (the default), or a shared one whose offer
 * copies into a ring that the event loop copies again ({@code --offer}). The event loop writes, reads and heartbeats,
 * so with threads of its own the publishing thread owes the connection nothing: {@link #flush()}, {@link #doWork()}
 * and {@link #finishSending()} do nothing. A client in the invoker mode ({@code --invoker}) has no thread: they run
 * its loop on the publishing thread ({@link ClientDutyCycle}).
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
    private final LongSupplier bufferedBytes;
    private final ClientDutyCycle duty;

    private EventLoopOutlet(final Send send, final PublicationEndpoint publication, final LongSupplier bufferedBytes,
        final ClientDutyCycle duty)
    {
        this.send = send;
        this.publication = publication;
        this.bufferedBytes = bufferedBytes;
        this.duty = duty;
    }

    /**
     * @param publication the exclusive publication to claim in.
     * @param duty the duty cycle of the client it was opened on.
     * @return the outlet.
     */
    static EventLoopOutlet claiming(final ExclusivePublication publication, final ClientDutyCycle duty)
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
        return new EventLoopOutlet(claimAndCommit, publication, publication::bufferedBytes, duty);
    }

    /**
     * @param publication the shared publication to offer to.
     * @param duty the duty cycle of the client it was opened on.
     * @return the outlet.
     */
    static EventLoopOutlet offering(final Publication publication, final ClientDutyCycle duty)
    {
        final Send offer = (payload, size, flags, timestampNanos) -> flags == 0 && timestampNanos == 0 ?
            publication.offer(payload, 0, size) :
            publication.offer(payload, 0, size, flags, timestampNanos != 0 ? timestampNanos : EpochClock.nanos());
        return new EventLoopOutlet(offer, publication, publication::bufferedBytes, duty);
    }

    @Override
    public long send(final UnsafeBuffer payload, final int size, final int flags, final long timestampNanos)
    {
        return send.send(payload, size, flags, timestampNanos);
    }

    @Override
    public void flush()
    {
        duty.flush();
    }

    @Override
    public int doWork()
    {
        return duty.doWork();
    }

    /**
     * An event loop thread sends what is committed by itself; AckWait then waits for the relay to have it. In the
     * invoker mode only this thread's duty cycle sends it: it runs until the publication holds nothing more
     * (for an identified one, which keeps each message until the relay acknowledged it, until the ACK), the
     * connection is lost or {@link #FINISH_TIMEOUT_NANOS} passed.
     */
    @Override
    public void finishSending()
    {
        duty.runUntil(() -> bufferedBytes.getAsLong() == 0 || !publication.isConnected(), FINISH_TIMEOUT_NANOS);
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
