package io.sluice.server.subscriber;

import io.sluice.server.counters.Roster;
import io.sluice.server.lane.Lane;
import io.sluice.server.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The lane of an acknowledging durable subscription outlives its subscriber's connection: detached, it goes on taking
 * what the stream's producers send, to its disk tier, so the subscription misses nothing while nobody reads it. It is
 * closed when the subscription connects again (the new connection's lane takes over its disk tier), when it has been
 * away for the stream's {@code inactive-after}, and when the relay stops.
 */
public final class DetachedLanes
{
    private static final Logger LOG = LoggerFactory.getLogger(DetachedLanes.class);

    private DetachedLanes()
    {
    }

    /**
     * Lane's event loop, as its subscriber's connection ends: detaches the lane if its subscription is durable and
     * acknowledges.
     *
     * @return whether the lane stays, detached; when false the caller closes it as before.
     */
    static boolean detachIfAcknowledgedAndDurable(final Stream stream, final Lane lane, final Roster<Lane> lanes)
    {
        if (lane.acks() == null || !lane.isDurable() || lane.isClosed() || lane.isStopping())
        {
            return false;
        }
        if (!lane.isHandedOver() && !lane.detach())
        {
            return false;
        }
        stream.keepDetached(lane);
        final long inactiveAfterMs = stream.config().inactiveAfterMs();
        if (inactiveAfterMs > 0)
        {
            lane.eventLoop().schedule(() ->
            {
                if (stream.removeDetached(lane))
                {
                    LOG.info("subscription '{}' of stream '{}' away for {} ms (inactive-after): its lane stops taking "
                        + "messages", lane.subscription(), stream.name(), inactiveAfterMs);
                    close(lane, lanes);
                }
            }, inactiveAfterMs, TimeUnit.MILLISECONDS);
        }
        return true;
    }

    /**
     * Any thread, when the relay stops: takes every detached lane of the stream out of it and closes each on its event
     * loop (its disk tier keeps what it took); waits a few seconds at most for each.
     */
    public static void retireAll(final Stream stream, final Roster<Lane> lanes)
    {
        for (final Lane lane : stream.detachedLanes())
        {
            if (stream.removeDetached(lane))
            {
                lane.eventLoop().submit(() -> close(lane, lanes)).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Lane's event loop: closes a lane taken out of its stream. */
    static void close(final Lane lane, final Roster<Lane> lanes)
    {
        lane.close();
        lanes.leave(lane);
    }
}
