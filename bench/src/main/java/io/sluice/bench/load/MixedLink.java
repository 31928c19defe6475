package io.sluice.bench.load;

/**
 * Producers from one link and consumers from another, through the same relay: the client library with one end on its
 * event loop and the other with direct I/O, to see which end's hand-off costs what.
 */
public final class MixedLink implements Link
{
    private final Link producers;
    private final Link consumers;

    /**
     * @param producers opens every producer's end.
     * @param consumers opens every consumer's end.
     */
    public MixedLink(final Link producers, final Link consumers)
    {
        this.producers = producers;
        this.consumers = consumers;
    }

    @Override
    public String name()
    {
        return "sluice-mixed";
    }

    @Override
    public Inlet openInlet(final int stream) throws Exception
    {
        return consumers.openInlet(stream);
    }

    @Override
    public Inlet openInlet(final int stream, final Sink sink) throws Exception
    {
        return consumers.openInlet(stream, sink);
    }

    @Override
    public Outlet openOutlet(final int stream) throws Exception
    {
        return producers.openOutlet(stream);
    }

    @Override
    public void close()
    {
        try
        {
            producers.close();
        }
        finally
        {
            consumers.close();
        }
    }
}
