package io.sluice.server.producer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.EventExecutor;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.ProtocolException;
import io.sluice.core.util.EpochClock;
import io.sluice.server.counters.RelayCounters;
import io.sluice.server.counters.Roster;
import io.sluice.server.peer.ReceivedError;
import io.sluice.server.security.PublishRate;
import io.sluice.server.stream.ProducerClaim;
import io.sluice.server.stream.Stream;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.util.concurrent.TimeUnit;

/**
 * A publisher's connection after its HELLO: checks each DATA frame's stream, source and sequence
 * ({@link RunCheck}), and forwards each run to every lane of the stream ({@link LaneFanOut}).
 * <p>
 * When a lane refuses a run, the run is kept, reading stops (autoRead off, for a reason among
 * {@link PauseReasons}), and the handler waits for the lane to make room. Runs that were already read when reading
 * stopped queue behind it in order ({@link HeldRuns}). The relay ACKs the highest sequence that every lane accepted:
 * an identified publisher once per read batch, an anonymous one as {@link AckCoalescer} says.
 * <p>
 * A publisher whose principal has a publish rate stops reading the same way (its own pause reason) while its
 * principal's connections are ahead of the rate: what was read goes on, nothing is dropped.
 * <p>
 * An identified publisher's connection holds a {@link ProducerClaim}: it starts at the claim's sequence, skips the
 * frames it resends below it ({@link ResendFilter}), and gives the claim back with the last sequence it accepted.
 */
public final class ProducerHandler extends ChannelInboundHandlerAdapter
{
    private final Stream stream;
    private final RelayCounters counters;
    private final Roster<ProducerBlame> producers;
    private final int streamId;
    private final int sourceId;
    private final Runnable retryTask = this::retry;
    private final PublishRate publishRate;
    private final Runnable rateCheck = this::checkRate;
    private final RunCheck check;
    private final LaneFanOut fanOut;
    private final HeldRuns held;
    private final PauseReasons pauses;
    // Which lanes hold this publisher, for the lanes view and the blame metric.
    private final ProducerBlame blame;
    private final NanoClock clock;
    private final ProducerClaim claim;
    private final ResendFilter resends;
    // ACKs wait for journaled lanes' disks; the spill thread wakes the publisher's loop with this.
    private final DiskAcks diskAcks;
    private final Runnable onAppended = this::onAppended;
    private final AckCoalescer ackCoalescer = new AckCoalescer(this::sendAck);
    // 0, or an identified publisher's sequence from its WELCOME.
    private final long firstSequence;
    private ChannelHandlerContext ctx;
    // The publisher's event loop, for the spill thread's wake-ups.
    private volatile EventExecutor executor;
    private Runnable wake;
    private long acceptedSequence;
    private long ackedSequence = -1;
    private boolean closeRequested;

    public Stream stream()
    {
        return stream;
    }

    /**
     * @param counters where the connection counts what it receives and holds.
     * @param producers where the connection registers its blame while it lasts.
     */
    public ProducerHandler(
        final Stream stream, final int sourceId, final RelayCounters counters, final Roster<ProducerBlame> producers)
    {
        this(stream, sourceId, counters, producers, null);
    }

    /**
     * @param publishRate the rate the publisher's principal shares among its connections, or null for none.
     */
    public ProducerHandler(
        final Stream stream, final int sourceId, final RelayCounters counters, final Roster<ProducerBlame> producers,
        final PublishRate publishRate)
    {
        this(stream, sourceId, counters, producers, publishRate, SystemNanoClock.INSTANCE);
    }

    /**
     * @param clock what times the holds counted as blame; tests advance one by hand.
     */
    public ProducerHandler(
        final Stream stream, final int sourceId, final RelayCounters counters, final Roster<ProducerBlame> producers,
        final PublishRate publishRate, final NanoClock clock)
    {
        this(stream, sourceId, counters, producers, publishRate, clock, null);
    }

    /**
     * @param claim an identified publisher's claim on its producer id (its source id is {@code sourceId}), or null.
     */
    public ProducerHandler(
        final Stream stream, final int sourceId, final RelayCounters counters, final Roster<ProducerBlame> producers,
        final PublishRate publishRate, final NanoClock clock, final ProducerClaim claim)
    {
        this.claim = claim;
        this.firstSequence = claim == null ? 0 : claim.nextSequence();
        this.acceptedSequence = firstSequence - 1;
        this.resends = claim == null ? null : new ResendFilter(stream.id(), sourceId, firstSequence);
        this.publishRate = publishRate;
        this.stream = stream;
        this.clock = clock;
        this.blame = new ProducerBlame(stream.name(), sourceId, clock);
        this.streamId = stream.id();
        this.sourceId = sourceId;
        this.counters = counters;
        this.producers = producers;
        this.check = new RunCheck(streamId, sourceId, firstSequence);
        this.diskAcks = new DiskAcks(sourceId, this::wakeForAppended);
        this.fanOut = new LaneFanOut(stream, counters, blame, clock, diskAcks);
        this.held = new HeldRuns(counters);
        this.pauses = new PauseReasons(stream);
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        this.ctx = ctx;
        this.executor = ctx.executor();
        this.wake = () -> ctx.executor().execute(retryTask);
        if (claim != null)
        {
            claim.attach();
        }
        stream.publisherJoined();
        counters.publisherJoined();
        blame.attach(ctx.channel(), ctx.executor());
        producers.join(blame);
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        final ByteBuf frames = (ByteBuf)msg;
        final int type = Frames.type(frames, frames.readerIndex());
        if (type == FrameType.DATA)
        {
            onRun(frames);
            return;
        }
        if (type == FrameType.ERROR)
        {
            ReceivedError.record(ctx.channel(), frames, counters);
        }
        frames.release();
        switch (type)
        {
            case FrameType.HEARTBEAT:
                break;
            case FrameType.ERROR:
            case FrameType.CLOSE:
                // The publisher sends nothing after either (protocol.md §3.6, §3.8): ignore anything that follows,
                // deliver what it sent before, ACK it, close.
                FrameDecoder.discardInput(ctx.pipeline());
                closeRequested = true;
                pauses.pause(ctx, PauseReasons.CLOSING);
                closeIfDone();
                break;
            default:
                throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, FrameType.name(type) + " from a publisher");
        }
    }

    // The frames before the first wrong one go on; then the wrong one closes the connection.
    private void onRun(final ByteBuf run)
    {
        if (resends != null && skipResent(run))
        {
            return;
        }
        final int start = run.readerIndex();
        final int messages = check.check(run);
        final ProtocolException problem = check.problem();
        if (messages > 0)
        {
            final int end = check.checkedEnd();
            stream.onMessagesIn(messages, end - start);
            counters.onMessagesIn(messages, end - start);
            run.writerIndex(end);
            enqueue(run, messages, check.expectedSequence() - 1);
            if (publishRate != null)
            {
                holdToRate(publishRate.onBytes(end - start));
            }
        }
        else
        {
            run.release();
        }
        if (problem != null)
        {
            throw problem;
        }
    }

    // Returns true when the whole run was resent frames (it is released): they were accepted before, and are ACKed.
    private boolean skipResent(final ByteBuf run)
    {
        final int skipped = resends.skipResent(run);
        if (skipped == 0)
        {
            return false;
        }
        counters.onDuplicatesDropped(skipped);
        if (run.isReadable())
        {
            return false;
        }
        run.release();
        return true;
    }

    private void enqueue(final ByteBuf run, final int messages, final long lastSequence)
    {
        if (fanOut.isBlocked() || !held.isEmpty())
        {
            held.add(run);
            return;
        }
        deliver(run, messages, lastSequence);
    }

    // Offers the run to every lane. Returns true when all took it; else the run is blocked and reading paused.
    private boolean deliver(final ByteBuf run, final int messages, final long lastSequence)
    {
        if (fanOut.deliver(run, messages, lastSequence))
        {
            acceptedSequence = lastSequence;
            return true;
        }
        pauses.pause(ctx, PauseReasons.LANE_FULL);
        waitForRoom();
        return false;
    }

    private void waitForRoom()
    {
        if (fanOut.awaitRoom(wake))
        {
            ctx.executor().execute(retryTask);
        }
    }

    private void retry()
    {
        if (!fanOut.isBlocked())
        {
            return;
        }
        if (!fanOut.retry())
        {
            waitForRoom();
            return;
        }
        acceptedSequence = fanOut.blockedLastSequence();
        ByteBuf run;
        while ((run = held.poll()) != null)
        {
            if (!deliver(run, held.polledMessages(), held.polledLastSequence()))
            {
                sendAck();
                return;
            }
        }
        sendAck();
        pauses.resume(ctx, PauseReasons.LANE_FULL);
        closeIfDone();
    }

    // Bytes already read go on; reading stops until the principal is back within its rate.
    private void holdToRate(final long delayNanos)
    {
        if (delayNanos > 0 && !pauses.has(PauseReasons.RATE) && ctx != null)
        {
            pauses.pause(ctx, PauseReasons.RATE);
            ctx.executor().schedule(rateCheck, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void checkRate()
    {
        if (ctx == null || !pauses.has(PauseReasons.RATE))
        {
            return;
        }
        final long delayNanos = publishRate.delayNanos();
        if (delayNanos > 0)
        {
            ctx.executor().schedule(rateCheck, delayNanos, TimeUnit.NANOSECONDS);
            return;
        }
        pauses.resume(ctx, PauseReasons.RATE);
    }

    private void closeIfDone()
    {
        // Everything accepted is ACKed first, journaled lanes' disks included (their append wakes us again).
        if (closeRequested && !fanOut.isBlocked() && held.isEmpty() &&
            diskAcks.ackableThrough(acceptedSequence) == acceptedSequence)
        {
            sendAck();
            ctx.close();
        }
    }

    // Spill thread: a journaled lane appended some of this publisher's frames while it waited for them.
    private void wakeForAppended()
    {
        final EventExecutor loop = executor;
        if (loop != null)
        {
            loop.execute(onAppended);
        }
    }

    private void onAppended()
    {
        if (ctx != null)
        {
            sendAck();
            closeIfDone();
        }
    }

    /** Publisher's event loop: messages received from this publisher and checked (for its connection's close line). */
    public long messagesIn()
    {
        return check.expectedSequence() - firstSequence;
    }

    /** Publisher's event loop: the relay is closing; read nothing more (what is held still goes out). */
    public void pauseForShutdown()
    {
        if (ctx != null)
        {
            pauses.pause(ctx, PauseReasons.SHUTDOWN);
        }
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx)
    {
        if (resends == null)
        {
            ackCoalescer.onReadComplete(ctx);
        }
        else
        {
            sendAck();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx)
    {
        // The ACKs skipped while the publisher was not reading come down to this one: ACKs are cumulative.
        sendAck();
        ctx.fireChannelWritabilityChanged();
    }

    // Only while the publisher reads what we send: a publisher that never reads would otherwise make the relay
    // queue an ACK per read without bound.
    private void sendAck()
    {
        final long ackable = diskAcks.ackableThrough(acceptedSequence);
        if (ackable > ackedSequence && ctx.channel().isActive() && ctx.channel().isWritable())
        {
            ackedSequence = ackable;
            ctx.writeAndFlush(Frames.empty(ctx.alloc(), FrameType.ACK, streamId, sourceId, ackedSequence,
                EpochClock.nanos()), ctx.voidPromise());
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception
    {
        releaseAll();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        releaseAll();
    }

    private void releaseAll()
    {
        blame.releaseAll(clock.nanoTime());
        // Read and counted in, never taken by every lane, never acknowledged: counted as gone with the publisher.
        final long gone = fanOut.discardBlocked() + held.releaseAll();
        diskAcks.releaseAll();
        if (gone > 0)
        {
            stream.onPublisherGone(gone);
        }
        pauses.clear();
        if (ctx != null)
        {
            ctx = null;
            if (claim != null)
            {
                claim.release(acceptedSequence);
            }
            stream.publisherLeft();
            counters.publisherLeft();
            producers.leave(blame);
        }
    }
}
