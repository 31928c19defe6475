package io.sluice.tools;

import io.sluice.client.ClientConfig;
import io.sluice.client.DirectPublication;
import io.sluice.client.SluiceException;
import io.sluice.core.util.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code produce --direct}'s outlet: a {@link DirectPublication}, whose socket the publishing thread writes itself,
 * with no event loop to hand each message to. Its duty cycle is the publication's own: {@link #flush()} writes what
 * the offers buffered (they write once 64 KiB are pending), {@link #doWork()} writes, reads the relay's ACKs and
 * heartbeats and sends its own. Anonymous and plain TCP only.
 */
final class DirectOutlet implements Outlet
{
    // One wait for the socket to take more; a duty cycle follows each.
    private static final long AWAIT_ROOM_MS = 100;

    private final DirectPublication publication;

    private DirectOutlet(final DirectPublication publication)
    {
        this.publication = publication;
    }

    /**
     * Connects an anonymous direct publication.
     *
     * @param config the relay's address, token, largest message and connect timeout; plain TCP.
     * @param stream the stream's name.
     * @return the outlet, connected.
     * @throws SluiceException when the relay cannot be reached, refuses, or the stream's name is not valid.
     */
    static DirectOutlet connect(final ClientConfig config, final String stream) throws SluiceException
    {
        try
        {
            return new DirectOutlet(DirectPublication.connect(config, stream));
        }
        catch (final IllegalArgumentException ex)
        {
            // A stream name the HELLO cannot carry: the event-loop client says so with a SluiceException too.
            throw new SluiceException(null, ex.getMessage(), ex);
        }
    }

    @Override
    public long send(final UnsafeBuffer payload, final int size, final int flags, final long timestampNanos)
    {
        return publication.offer(payload, 0, size, flags, timestampNanos != 0 ? timestampNanos : EpochClock.nanos());
    }

    @Override
    public void flush()
    {
        publication.flush();
    }

    @Override
    public int doWork()
    {
        return publication.doWork();
    }

    /**
     * Waits until the socket took every byte offered, the connection is lost or {@link #FINISH_TIMEOUT_NANOS} passed:
     * nothing else would write what is left. What a relay that stopped reading still holds back is written by the
     * duty cycles of the ACK wait that follows.
     */
    @Override
    public void finishSending()
    {
        final long deadline = System.nanoTime() + FINISH_TIMEOUT_NANOS;
        publication.flush();
        while (publication.pendingBytes() > 0 && publication.isConnected() && System.nanoTime() - deadline < 0)
        {
            // Sleeps until the socket takes more, rather than spinning on a CPU the relay may need.
            publication.awaitRoom(AWAIT_ROOM_MS);
        }
    }

    @Override
    public long firstSequence()
    {
        // An anonymous publisher's WELCOME starts it at 0 (protocol.md §3.2).
        return 0;
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
