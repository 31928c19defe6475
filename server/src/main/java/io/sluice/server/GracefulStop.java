package io.sluice.server;

import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.Future;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.util.EpochClock;
import io.sluice.server.peer.ConnectionLog;
import io.sluice.server.producer.ProducerHandler;
import io.sluice.server.subscriber.SubscriberHandler;
import io.sluice.server.lane.Lane;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How a relay's connections end when it stops, before {@link Relay#close(Duration)} closes whatever is left.
 * <ol>
 * <li>Publishers stop being read (their pending reads still reach the lanes).</li>
 * <li>Durable subscriptions with a disk tier hand over at once: what the lane has not put on the wire (the frames in
 *     the channel's outbound buffer the kernel has not started on, the memory tier, restored chunks, the hand-off)
 *     goes to disk, and the relay writes nothing more to them. Their backlog is safe on disk, so they do not drain
 *     it through the grace period (it may be gigabytes).</li>
 * <li>Other subscribers drain their lanes while the grace period lasts.</li>
 * <li>A subscriber whose lane has nothing left (handed over, or drained) gets a CLOSE frame after the last frame
 *     written, and a FIN once all of it has gone to the kernel: a half close. The relay keeps reading its socket
 *     until the subscriber closes its side, which a client does once it has read up to the CLOSE. Closing the socket
 *     at once instead
 *     would lose what the kernel still holds for the subscriber: with unread bytes in the relay's receive buffer
 *     (heartbeats) Linux answers the close with a reset, and a reset discards the subscriber's unread receive
 *     buffer.</li>
 * <li>When every subscriber has closed, or the grace period is over, the caller closes the rest.</li>
 * </ol>
 * With no grace period, durable lanes still hand over, and everything is closed at once.
 */
final class GracefulStop
{
    private static final Logger LOG = LoggerFactory.getLogger(GracefulStop.class);

    private GracefulStop()
    {
    }

    /**
     * Runs the steps above; returns when every subscriber connection has closed or {@code grace} is over.
     *
     * @param connections every connection of the relay (the server channel already closed).
     * @param metrics the relay's metrics (held publisher bytes).
     * @param grace the longest time to wait for subscribers, from now.
     */
    static void run(final Iterable<Channel> connections, final RelayMetrics metrics, final Duration grace)
    {
        final long deadline = System.nanoTime() + Math.max(0, grace.toNanos());
        final boolean wait = grace.toNanos() > 0;
        final List<Channel> subscribers = new ArrayList<>();
        final List<Future<?>> handOvers = new ArrayList<>();
        for (final Channel channel : connections)
        {
            ConnectionLog.closing(channel, ConnectionLog.SHUTTING_DOWN);
            final ProducerHandler producer = channel.pipeline().get(ProducerHandler.class);
            if (producer != null && wait)
            {
                channel.eventLoop().execute(producer::pauseForShutdown);
            }
            final SubscriberHandler subscriber = channel.pipeline().get(SubscriberHandler.class);
            if (subscriber != null)
            {
                subscribers.add(channel);
                handOvers.add(channel.eventLoop().submit(() ->
                {
                    if (subscriber.lane().handOverForShutdown() && wait)
                    {
                        halfClose(channel);
                    }
                }));
            }
        }
        for (final Future<?> handOver : handOvers)
        {
            handOver.awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (!wait)
        {
            return;
        }
        final List<Channel> draining = new ArrayList<>();
        for (final Channel channel : subscribers)
        {
            final Lane lane = lane(channel);
            if (lane != null && !lane.isHandedOver())
            {
                draining.add(channel);
            }
        }
        // Poll for drained lanes and closed subscribers; nothing here is on an event loop, so a short park is fine.
        while (System.nanoTime() < deadline)
        {
            // A lane is drained when it holds nothing and no paused publisher holds anything it may still offer.
            final boolean nothingHeld = metrics.heldBytes() == 0;
            draining.removeIf(channel ->
            {
                final Lane lane = lane(channel);
                if (!channel.isActive() || lane == null)
                {
                    return true;
                }
                if (nothingHeld && lane.queuedBytes() == 0 && lane.snapshot().waitingMessages() == 0)
                {
                    channel.eventLoop().execute(() -> halfClose(channel));
                    return true;
                }
                return false;
            });
            if (draining.isEmpty() && subscribers.stream().noneMatch(Channel::isOpen))
            {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        long waiting = 0;
        int open = 0;
        for (final Channel channel : subscribers)
        {
            if (channel.isOpen())
            {
                open++;
                final Lane lane = lane(channel);
                waiting += lane == null || lane.isHandedOver() ? 0 : lane.snapshot().waitingMessages();
            }
        }
        LOG.info("grace period of {} ms over with {} subscribers still connected and {} messages still waiting in " +
            "lanes", grace.toMillis(), open, waiting);
    }

    private static Lane lane(final Channel channel)
    {
        final SubscriberHandler subscriber = channel.pipeline().get(SubscriberHandler.class);
        return subscriber == null ? null : subscriber.lane();
    }

    // Event loop. CLOSE follows everything written so far, and the FIN follows it once all of it is with the kernel;
    // reading goes on, and the subscriber's own close ends the connection.
    private static void halfClose(final Channel channel)
    {
        if (!channel.isActive())
        {
            return;
        }
        channel.writeAndFlush(Frames.empty(channel.alloc(), FrameType.CLOSE, 0, 0, 0, EpochClock.nanos()))
            .addListener(f ->
        {
            if (f.isSuccess() && channel.isActive() && channel instanceof DuplexChannel)
            {
                ((DuplexChannel)channel).shutdownOutput();
            }
        });
    }
}
