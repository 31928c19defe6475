package io.sluice.server.subscriber;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.ProtocolException;
import io.sluice.server.counters.RelayCounters;
import io.sluice.server.counters.Roster;
import io.sluice.server.peer.ReceivedError;
import io.sluice.server.lane.AckWindow;
import io.sluice.server.lane.Lane;
import io.sluice.server.lane.StuckGuard;
import io.sluice.server.stream.Stream;

/**
 * A subscriber's connection after its HELLO: owns the subscriber's {@link Lane}, drains it whenever the channel
 * turns writable, and takes only HEARTBEAT and CLOSE from the subscriber.
 */
public final class SubscriberHandler extends ChannelInboundHandlerAdapter
{
    private final Stream stream;
    private final Lane lane;
    private final RelayCounters counters;
    private final Roster<Lane> lanes;
    private StuckGuard stuckGuard;
    private boolean removed;

    /**
     * @param counters where the connection counts itself and a client's ERROR.
     * @param lanes where the connection registers its lane while it lasts.
     */
    public SubscriberHandler(
        final Stream stream, final Lane lane, final RelayCounters counters, final Roster<Lane> lanes)
    {
        this.stream = stream;
        this.lane = lane;
        this.counters = counters;
        this.lanes = lanes;
    }

    /** @return the subscriber's lane. */
    public Stream stream()
    {
        return stream;
    }

    public Lane lane()
    {
        return lane;
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        counters.subscriberJoined();
        lanes.join(lane);
        final Lane replaced = stream.addLaneReplacingDetached(lane);
        if (replaced != null)
        {
            // It kept the subscription's messages while the subscriber was away; its disk tier hands them over.
            replaced.eventLoop().execute(() -> DetachedLanes.close(replaced, lanes));
        }
        final long stuckAfterMs = stream.config().stuck().stuckAfterMs();
        // On eviction the lane leaves the stream at once (its producers resume); the connection closes after the ERROR.
        stuckGuard = new StuckGuard(lane, stream.name(), stream.config().stuck(), stream.stuckCounters(), text ->
        {
            remove();
            SlowConsumerClose.send(ctx.channel(), text, stuckAfterMs);
        }, System::nanoTime);
        stuckGuard.start();
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        final ByteBuf frame = (ByteBuf)msg;
        final int type = Frames.type(frame, frame.readerIndex());
        final long sequence = Frames.sequence(frame, frame.readerIndex());
        if (type == FrameType.ERROR)
        {
            ReceivedError.record(ctx.channel(), frame, counters);
        }
        frame.release();
        switch (type)
        {
            case FrameType.HEARTBEAT:
                break;
            case FrameType.ACK:
                acknowledge(sequence);
                break;
            case FrameType.ERROR:
            case FrameType.CLOSE:
                // The sender sends nothing after either (protocol.md §3.6, §3.8): ignore anything that follows. The
                // subscription's name is let go before the connection closes, so a client that waits for the close
                // can take the name again at once (not refused with SUBSCRIPTION_IN_USE by a close not yet seen).
                FrameDecoder.discardInput(ctx.pipeline());
                remove();
                ctx.close();
                break;
            default:
                throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, FrameType.name(type) + " from a subscriber");
        }
    }

    // Only a subscriber that asked for acknowledged delivery may send ACK (protocol.md §4.3).
    private void acknowledge(final long position)
    {
        final AckWindow acks = lane.acks();
        if (acks == null)
        {
            throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, "ACK from a subscriber that did not ask for "
                + "acknowledged delivery (HELLO feature 0x02)");
        }
        if (lane.acknowledge(position) == AckWindow.ACK_OUT_OF_RANGE)
        {
            throw new ProtocolException(ErrorCode.ACK_OUT_OF_RANGE, "ACK for position " + position + " on stream '"
                + stream.name() + "': the relay has sent up to position " + acks.sent());
        }
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx) throws Exception
    {
        if (ctx.channel().isWritable())
        {
            lane.drain();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception
    {
        remove();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        remove();
    }

    // Before the subscription is released, so that its next connection finds them.
    private void keepPositions()
    {
        if (lane.subscription().isEmpty())
        {
            return;
        }
        final AckWindow acks = lane.acks();
        if (acks != null && lane.isDurable())
        {
            stream.positions().keep(lane.subscription(), acks.acked(), acks.sent());
        }
        else
        {
            stream.positions().forget(lane.subscription());
        }
    }

    private void remove()
    {
        if (!removed)
        {
            removed = true;
            if (stuckGuard != null)
            {
                stuckGuard.stop();
            }
            if (DetachedLanes.detachIfAcknowledgedAndDurable(stream, lane, lanes))
            {
                keepPositions();
                stream.subscriptionClaims().release(lane.subscription(), lane.channel());
                counters.subscriberLeft(lane.peakBytes());
                return;
            }
            stream.removeLane(lane);
            lane.close();
            keepPositions();
            stream.subscriptionClaims().release(lane.subscription(), lane.channel());
            counters.subscriberLeft(lane.peakBytes());
            lanes.leave(lane);
        }
    }
}
