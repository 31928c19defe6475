package io.sluice.server.connection;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.core.netty.HeartbeatHandler;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Hello;
import io.sluice.core.protocol.ProtocolException;
import io.sluice.core.protocol.Role;
import io.sluice.core.util.EpochClock;
import io.sluice.server.counters.RelayCounters;
import io.sluice.server.counters.Roster;
import io.sluice.server.peer.ConnectionLog;
import io.sluice.server.producer.ProducerBlame;
import io.sluice.server.producer.ProducerHandler;
import io.sluice.server.lifecycle.RelayLifecycle;
import io.sluice.server.subscriber.SubscriberHandler;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.lane.AckWindow;
import io.sluice.server.lane.Lane;
import io.sluice.server.stream.SubscriptionPositions.Positions;
import io.sluice.server.config.AckWindowLimit;
import io.sluice.server.security.Admission;
import io.sluice.server.security.Gatekeeper;

import io.sluice.server.stream.ProducerClaim;
import io.sluice.server.stream.Stream;
import io.sluice.server.stream.StreamRegistry;
import io.sluice.server.tier.disk.DiskTiers;
import io.sluice.server.tier.disk.JournalStart;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.SystemNanoClock;

/**
 * First handler of a relay connection: the HELLO must come first and within the hello timeout. Has the
 * {@link Gatekeeper} admit it (its principal, permissions and limits), answers WELCOME, and replaces itself with the
 * role's handler.
 */
public final class HelloHandler extends ChannelInboundHandlerAdapter
{
    private final RelayConfig config;
    private final StreamRegistry streams;
    private final RelayCounters counters;
    private final Roster<Lane> lanes;
    private final Roster<ProducerBlame> producers;
    private final RelayLifecycle lifecycle;
    private final DiskTiers diskTiers;
    private final ConnectionLog connectionLog;
    private final Gatekeeper gatekeeper;
    private ScheduledFuture<?> timeout;
    // A HELLO is being admitted (its token checked off the event loop): reading is paused until it is done.
    private boolean admitting;
    // An identified publisher waits for its producer id (a fenced connection of it to close): reading goes on.
    private boolean claiming;

    /**
     * @param counters what the role's handler counts into.
     * @param lanes where a subscriber's handler registers its lane.
     * @param producers where a publisher's handler registers its blame.
     */
    public HelloHandler(final RelayConfig config, final StreamRegistry streams, final RelayCounters counters,
        final Roster<Lane> lanes, final Roster<ProducerBlame> producers, final RelayLifecycle lifecycle,
        final DiskTiers diskTiers, final ConnectionLog connectionLog, final Gatekeeper gatekeeper)
    {
        this.lifecycle = lifecycle;
        this.gatekeeper = gatekeeper;
        this.config = config;
        this.connectionLog = connectionLog;
        this.diskTiers = diskTiers;
        this.streams = streams;
        this.counters = counters;
        this.lanes = lanes;
        this.producers = producers;
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        timeout = ctx.executor().schedule(() -> ctx.fireExceptionCaught(new ProtocolException(ErrorCode.HELLO_TIMEOUT,
            "no HELLO within " + config.helloTimeoutMs() + " ms")), config.helloTimeoutMs(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        timeout.cancel(false);
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        final ByteBuf frame = (ByteBuf)msg;
        try
        {
            final int type = Frames.type(frame, frame.readerIndex());
            if (admitting || claiming)
            {
                // Read with the HELLO, before reading paused. A client sends nothing but heartbeats until its WELCOME.
                if (type != FrameType.HEARTBEAT)
                {
                    throw new ProtocolException(type == FrameType.HELLO ? ErrorCode.UNEXPECTED_FRAME :
                        ErrorCode.HELLO_REQUIRED, FrameType.name(type) + " before the WELCOME");
                }
                return;
            }
            if (type != FrameType.HELLO)
            {
                throw new ProtocolException(ErrorCode.HELLO_REQUIRED, FrameType.name(type) + " before HELLO");
            }
            onHello(ctx, Hello.parse(frame));
        }
        finally
        {
            frame.release();
        }
    }

    private void onHello(final ChannelHandlerContext ctx, final Hello hello)
    {
        admitting = true;
        gatekeeper.admit(ctx, hello, admission ->
        {
            final boolean paused = admitting && !ctx.channel().config().isAutoRead();
            admitting = false;
            try
            {
                final Stream stream = enter(ctx, hello, admission);
                final EventLoop here = ctx.channel().eventLoop();
                // A loop with no group (an EmbeddedChannel's) has nowhere else to go.
                final EventLoop home = config.streamLoopAffinity() && here.parent() != null ?
                    stream.homeLoop(() -> (EventLoop)here.parent().next()) : here;
                if (home == here)
                {
                    welcome(ctx, hello, admission, stream);
                    if (paused)
                    {
                        ctx.channel().config().setAutoRead(true);
                    }
                }
                else
                {
                    welcomeOn(home, ctx, hello, admission, stream);
                }
            }
            catch (final RuntimeException ex)
            {
                ctx.fireExceptionCaught(ex);
            }
        });
        if (admitting)
        {
            ctx.channel().config().setAutoRead(false);
        }
    }

    private Stream enter(final ChannelHandlerContext ctx, final Hello hello, final Admission admission)
    {
        if (lifecycle.isStopping())
        {
            throw new ProtocolException(ErrorCode.SHUTTING_DOWN, "relay is shutting down");
        }
        final Stream stream = streams.acquire(hello.stream(), admission.streamQuota());
        // Held until the connection closes, however this HELLO ends; an idle stream can then go.
        ctx.channel().closeFuture().addListener(f -> streams.release(stream));
        timeout.cancel(false);
        return stream;
    }

    // Stream-loop affinity: the connection moves to its stream's loop before anything that lives on a loop (lane,
    // producer, heartbeats) is made, so a publisher's run reaches its lanes without waking another loop. Nothing is
    // read while it moves: a client sends only heartbeats before its WELCOME, and reading resumes after it.
    private void welcomeOn(final EventLoop home, final ChannelHandlerContext ctx, final Hello hello,
        final Admission admission, final Stream stream)
    {
        final Channel channel = ctx.channel();
        channel.config().setAutoRead(false);
        channel.deregister().addListener(deregistered ->
        {
            if (!deregistered.isSuccess())
            {
                channel.close();
                return;
            }
            home.register(channel).addListener(registered ->
            {
                if (!registered.isSuccess())
                {
                    channel.close();
                    return;
                }
                try
                {
                    welcome(ctx, hello, admission, stream);
                    channel.config().setAutoRead(true);
                }
                catch (final RuntimeException ex)
                {
                    ctx.fireExceptionCaught(ex);
                }
            });
        });
    }

    private void welcome(final ChannelHandlerContext ctx, final Hello hello, final Admission admission,
        final Stream stream)
    {
        if (hello.role() == Role.PUBLISHER && hello.identified())
        {
            claiming = true;
            stream.producers().claim(hello.producerId(), hello.epoch(), ctx.channel(), streams::newSourceId,
                claim -> welcomeIdentified(ctx, admission, stream, claim));
        }
        else if (hello.role() == Role.PUBLISHER)
        {
            welcomePublisher(ctx, admission, stream, streams.newSourceId(), null);
        }
        else if (hello.subscription().isEmpty())
        {
            welcomeSubscriber(ctx, hello, admission, stream);
        }
        else
        {
            claiming = true;
            stream.subscriptionClaims().claim(hello.subscription(), ctx.channel(),
                () -> welcomeDurableSubscriber(ctx, hello, admission, stream),
                () -> ctx.fireExceptionCaught(new ProtocolException(ErrorCode.SUBSCRIPTION_IN_USE, "subscription '" +
                    hello.subscription() + "' of stream '" + stream.name() + "' is already connected")));
        }
    }

    private void welcomeDurableSubscriber(final ChannelHandlerContext ctx, final Hello hello, final Admission admission,
        final Stream stream)
    {
        claiming = false;
        try
        {
            welcomeSubscriber(ctx, hello, admission, stream);
        }
        catch (final RuntimeException ex)
        {
            ctx.fireExceptionCaught(ex);
        }
    }

    // The lane joins the stream before WELCOME leaves: a subscriber that has its WELCOME must receive every message
    // published after it. DATA cannot overtake the WELCOME, because the lane drains on this event loop, which is busy
    // here until the WELCOME has been written.
    private void welcomeSubscriber(final ChannelHandlerContext ctx, final Hello hello, final Admission admission,
        final Stream stream)
    {
        if (config.subscriberSendBufferBytes() > 0)
        {
            ctx.channel().config().setOption(
                io.netty.channel.ChannelOption.SO_SNDBUF, config.subscriberSendBufferBytes());
        }
        final StreamConfig laneConfig = admission.spillQuotaBytes() > 0 &&
            admission.spillQuotaBytes() < stream.config().spillQuotaBytes() ?
            stream.config().withSpillQuotaBytes(admission.spillQuotaBytes()) : stream.config();
        final Positions from = hello.subscription().isEmpty() || !laneConfig.strategy().hasDiskTier() ?
            Positions.NONE : stream.positions().of(hello.subscription());
        final AckWindow acks = !hello.acknowledged() ? null : new AckWindow(
            AckWindowLimit.grant(hello.windowMessages(), laneConfig.ackWindow().messages()),
            AckWindowLimit.grant(hello.windowBytes(), laneConfig.ackWindow().bytes()), from.acked(), from.sent());
        // An acknowledging durable subscription that throttles keeps every frame on disk until acknowledged.
        final JournalStart journal = acks == null || hello.subscription().isEmpty() ||
            !laneConfig.onFull().isThrottle() ? null : new JournalStart(from.acked(), from.sent());
        final Lane lane;
        try
        {
            lane = new Lane(ctx.channel(), stream.name(), hello.subscription(), laneConfig,
                laneConfig.strategy().hasDiskTier() ? l -> diskTiers.create(stream.name(),
                    hello.subscription(), laneConfig, ctx.alloc(), l::wake, journal) : null, diskTiers.deadLetters(),
                acks);
        }
        catch (final RuntimeException | Error ex)
        {
            // A custom policy's constructor, a direct allocation: the name must not stay claimed by nobody.
            stream.subscriptionClaims().release(hello.subscription(), ctx.channel());
            throw ex;
        }
        ctx.pipeline().replace(this, "subscriber", new SubscriberHandler(stream, lane, counters, lanes));
        // The largest frame it may receive: the relay's, whoever published it.
        final ByteBuf welcome;
        if (acks != null)
        {
            // Last, so that it sees every frame the lane writes.
            ctx.pipeline().addLast("acks", acks);
            welcome = Frames.acknowledgedWelcome(ctx.alloc(), stream.id(), from.acked() + 1,
                config.heartbeatIntervalMs(), config.heartbeatTimeoutMs(), config.maxFrameLength(),
                acks.windowMessages(), acks.windowBytes(), from.sent(), EpochClock.nanos());
        }
        else
        {
            welcome = Frames.welcome(ctx.alloc(), stream.id(), 0, 0, config.heartbeatIntervalMs(),
                config.heartbeatTimeoutMs(), config.maxFrameLength(), EpochClock.nanos());
        }
        ctx.channel().writeAndFlush(welcome, ctx.channel().voidPromise());
        welcomed(ctx, admission);
        connectionLog.opened("subscriber", stream.name(), "(" + stream.config().strategy().configName() +
            (hello.subscription().isEmpty() ? "" : ", subscription '" + hello.subscription() + "'") + ")" +
            admission.principalNote(), lane::messagesAccepted, () -> lane.snapshot().messagesOut());
    }

    private void welcomeIdentified(final ChannelHandlerContext ctx, final Admission admission, final Stream stream,
        final ProducerClaim claim)
    {
        claiming = false;
        try
        {
            welcomePublisher(ctx, admission, stream, claim.sourceId(), claim);
        }
        catch (final RuntimeException ex)
        {
            ctx.fireExceptionCaught(ex);
        }
    }

    // An identified publisher's WELCOME carries its producer id's source id and next sequence; anyone else's a new
    // source id and 0.
    private void welcomePublisher(final ChannelHandlerContext ctx, final Admission admission, final Stream stream,
        final int sourceId, final ProducerClaim claim)
    {
        final long nextSequence = claim == null ? 0 : claim.nextSequence();
        // The largest frame it may send: its principal's limit, or the relay's.
        ctx.writeAndFlush(Frames.welcome(ctx.alloc(), stream.id(), sourceId, nextSequence, config.heartbeatIntervalMs(),
            config.heartbeatTimeoutMs(), admission.maxFrameLength(), EpochClock.nanos()), ctx.voidPromise());
        final ProducerHandler producer = new ProducerHandler(stream, sourceId, counters, producers,
            admission.publishRate(), SystemNanoClock.INSTANCE, claim);
        welcomed(ctx, admission);
        ctx.pipeline().replace(this, "publisher", producer);
        connectionLog.opened("publisher", stream.name(), "as source " + sourceId +
            (claim == null ? "" : " (producer " + claim.producerId() + " from sequence " + nextSequence + ")") +
            admission.principalNote(), producer::messagesIn, null);
    }

    // With the WELCOME: frames up to the connection's maximum from now on (the next frame of this read included), and
    // heartbeats. Heartbeats never before the WELCOME: protocol.md §4 has the relay answer a HELLO with WELCOME or
    // ERROR, and a heartbeat ahead of the answer would be neither. First in the pipeline, so any byte read counts; but
    // behind TLS, whose handler must encrypt the heartbeats it writes.
    private void welcomed(final ChannelHandlerContext ctx, final Admission admission)
    {
        ctx.pipeline().get(FrameDecoder.class).maxFrameLength(admission.maxFrameLength());
        final HeartbeatHandler heartbeats =
            new HeartbeatHandler(config.heartbeatIntervalMs(), config.heartbeatTimeoutMs());
        final ChannelHandlerContext tls = ctx.pipeline().context(SslHandler.class);
        if (tls != null)
        {
            ctx.pipeline().addAfter(tls.name(), "heartbeat", heartbeats);
        }
        else
        {
            ctx.pipeline().addFirst("heartbeat", heartbeats);
        }
    }
}
