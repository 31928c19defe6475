package io.sluice.tools;

import io.sluice.client.BufferClaim;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.Publication;
import io.sluice.client.PublicationEndpoint;
import io.sluice.core.util.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What {@code produce} needs of a publication, of either kind: an exclusive publication that claims room in the memory
 * the socket is written from and copies each payload in once (the default), or a shared one whose offer copies into a
 * ring that the event loop copies again ({@code --offer}).
 */
final class Outlet
{
    /** Sends one message without blocking. */
    @FunctionalInterface
    interface Send
    {
        /**
         * @param payload holds the payload from index 0.
         * @param size payload length.
         * @param flags frame flags.
         * @param timestampNanos the timestamp to stamp, or 0 for now.
         * @return as the publication's offer: the position when sent, else a negative status.
         */
        long send(UnsafeBuffer payload, int size, int flags, long timestampNanos);
    }

    private final Send send;
    private final PublicationEndpoint publication;

    private Outlet(final Send send, final PublicationEndpoint publication)
    {
        this.send = send;
        this.publication = publication;
    }

    static Outlet claiming(final ExclusivePublication publication)
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
        return new Outlet(claimAndCommit, publication);
    }

    static Outlet offering(final Publication publication)
    {
        final Send offer = (payload, size, flags, timestampNanos) -> flags == 0 && timestampNanos == 0 ?
            publication.offer(payload, 0, size) :
            publication.offer(payload, 0, size, flags, timestampNanos != 0 ? timestampNanos : EpochClock.nanos());
        return new Outlet(offer, publication);
    }

    long send(final UnsafeBuffer payload, final int size, final int flags, final long timestampNanos)
    {
        return send.send(payload, size, flags, timestampNanos);
    }

    /**
     * @return the publication: its limit, its acknowledgements, whether it is connected; closing it ends the run.
     */
    PublicationEndpoint publication()
    {
        return publication;
    }
}
