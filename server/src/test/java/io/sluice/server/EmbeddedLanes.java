package io.sluice.server;

import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.server.lane.Lane;
import io.sluice.server.stream.Stream;

import java.util.ArrayList;
import java.util.List;

/**
 * Lanes on embedded channels for tests that drive the relay's stages without sockets: each subscriber channel starts
 * unwritable (the test decides when its socket takes bytes), each lane joins its stream and the relay's counters as a
 * subscriber's connection does, and {@link #close()} closes the lanes and releases what every channel holds.
 */
public final class EmbeddedLanes
{
    private final RelayMetrics metrics;
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final List<Lane> lanes = new ArrayList<>();

    public EmbeddedLanes(final RelayMetrics metrics)
    {
        this.metrics = metrics;
    }

    /** @return a subscriber's channel, unwritable until the test says otherwise. */
    public EmbeddedChannel subscriber()
    {
        final EmbeddedChannel channel = new EmbeddedChannel();
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        return keep(channel);
    }

    /** @return a lane of {@code stream} on {@code channel}, in the stream and counted as a subscriber. */
    public Lane lane(final Stream stream, final EmbeddedChannel channel)
    {
        final Lane lane = new Lane(channel, stream.name(), "", stream.config(), null, null);
        lanes.add(lane);
        stream.addLane(lane);
        metrics.counters().subscriberJoined();
        metrics.laneRoster().join(lane);
        return lane;
    }

    /** @return {@code channel}, released by {@link #close()}. */
    public EmbeddedChannel keep(final EmbeddedChannel channel)
    {
        channels.add(channel);
        return channel;
    }

    /** Closes every lane, then finishes every channel and releases what it holds. */
    public void close()
    {
        lanes.forEach(Lane::close);
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }
}
