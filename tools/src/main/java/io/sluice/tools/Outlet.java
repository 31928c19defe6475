package io.sluice.tools;

import io.sluice.client.BufferClaim;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.Publication;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What {@code produce} needs of a publication, of either kind: an exclusive publication that claims room in the memory
 * the socket is written from and copies each payload in once (the default), or a shared one whose offer copies into a
 * ring that the event loop copies again ({@code --offer}).
 */
abstract class Outlet implements AutoCloseable
{
    /**
     * Sends one message without blocking.
     *
     * @param payload holds the payload from index 0.
     * @param size payload length.
     * @param flags frame flags.
     * @param timestampNanos the timestamp to stamp, or 0 for now.
     * @return as the publication's offer: the position when sent, else a negative status.
     */
    abstract long send(UnsafeBuffer payload, int size, int flags, long timestampNanos);

    abstract int maxPayloadLength();

    abstract long ackedSequence();

    abstract boolean isConnected();

    abstract String closeReason();

    @Override
    public abstract void close();

    static Outlet claiming(final ExclusivePublication publication)
    {
        return new Claiming(publication);
    }

    static Outlet offering(final Publication publication)
    {
        return new Offering(publication);
    }

    private static final class Claiming extends Outlet
    {
        private final ExclusivePublication publication;
        private final BufferClaim claim = new BufferClaim();

        Claiming(final ExclusivePublication publication)
        {
            this.publication = publication;
        }

        @Override
        long send(final UnsafeBuffer payload, final int size, final int flags, final long timestampNanos)
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
        }

        @Override
        int maxPayloadLength()
        {
            return publication.maxPayloadLength();
        }

        @Override
        long ackedSequence()
        {
            return publication.ackedSequence();
        }

        @Override
        boolean isConnected()
        {
            return publication.isConnected();
        }

        @Override
        String closeReason()
        {
            return publication.closeReason();
        }

        @Override
        public void close()
        {
            publication.close();
        }
    }

    private static final class Offering extends Outlet
    {
        private final Publication publication;

        Offering(final Publication publication)
        {
            this.publication = publication;
        }

        @Override
        long send(final UnsafeBuffer payload, final int size, final int flags, final long timestampNanos)
        {
            return flags == 0 && timestampNanos == 0 ? publication.offer(payload, 0, size) :
                publication.offer(payload, 0, size, flags, timestampNanos != 0 ? timestampNanos :
                    io.sluice.core.util.EpochClock.nanos());
        }

        @Override
        int maxPayloadLength()
        {
            return publication.maxPayloadLength();
        }

        @Override
        long ackedSequence()
        {
            return publication.ackedSequence();
        }

        @Override
        boolean isConnected()
        {
            return publication.isConnected();
        }

        @Override
        String closeReason()
        {
            return publication.closeReason();
        }

        @Override
        public void close()
        {
            publication.close();
        }
    }
}
