package io.sluice.tools;

import io.sluice.client.ClientConfig;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;

/**
 * Opens {@code produce}'s publication, the same kind each time: through the client's event loop, exclusive (claims)
 * or shared ({@code --offer}), anonymous or, with a producer id, identified with that id and epoch, so that a
 * reconnect is the same producer; or a direct publication ({@code --direct}), anonymous, with no client.
 */
final class PublicationOpener
{
    private final SluiceClient client;
    private final ClientDutyCycle duty;
    private final ClientConfig directConfig;
    private final String stream;
    private final boolean offer;
    private final boolean identified;
    private final long producerId;
    private final int epoch;

    /**
     * @param client the client to open on.
     * @param stream the stream's name.
     * @param offer whether to publish with the shared publication's offer.
     * @param producerId the producer id, or null for an anonymous publisher.
     * @param epoch the epoch of an identified publisher.
     */
    PublicationOpener(final SluiceClient client, final String stream, final boolean offer, final Long producerId,
        final int epoch)
    {
        this(client, null, stream, offer, producerId, epoch);
    }

    private PublicationOpener(final SluiceClient client, final ClientConfig directConfig, final String stream,
        final boolean offer, final Long producerId, final int epoch)
    {
        this.client = client;
        this.duty = client == null ? null : ClientDutyCycle.of(client);
        this.directConfig = directConfig;
        this.stream = stream;
        this.offer = offer;
        this.identified = producerId != null;
        this.producerId = identified ? producerId : 0;
        this.epoch = epoch;
    }

    /**
     * @param config the relay's address, token, largest message and connect timeout; plain TCP.
     * @param stream the stream's name.
     * @return an opener of anonymous direct publications, which need no client.
     */
    static PublicationOpener direct(final ClientConfig config, final String stream)
    {
        return new PublicationOpener(null, config, stream, false, null, 0);
    }

    Outlet open() throws SluiceException
    {
        if (directConfig != null)
        {
            return DirectOutlet.connect(directConfig, stream);
        }
        if (identified)
        {
            return offer ? EventLoopOutlet.offering(client.publish(stream, producerId, epoch), duty) :
                EventLoopOutlet.claiming(client.publishExclusive(stream, producerId, epoch), duty);
        }
        return offer ? EventLoopOutlet.offering(client.publish(stream), duty) :
            EventLoopOutlet.claiming(client.publishExclusive(stream), duty);
    }

    /**
     * @return the duty cycle of the client it opens on, which a wait between two opens runs (in the invoker mode the
     * client's loop runs nowhere else); null for direct publications, which have no client.
     */
    ClientDutyCycle duty()
    {
        return duty;
    }

    boolean identified()
    {
        return identified;
    }

    long producerId()
    {
        return producerId;
    }

    int epoch()
    {
        return epoch;
    }
}
