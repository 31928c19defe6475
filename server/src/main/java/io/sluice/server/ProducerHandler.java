package io.sluice.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sluice.core.netty.ByteBufView;
import io.sluice.core.protocol.DataRun;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Header;
import io.sluice.core.protocol.ProtocolException;
import io.sluice.core.util.EpochClock;
import io.sluice.server.security.PublishRate;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * A publisher's connection after its HELLO: checks each DATA frame's stream, source and sequence, and forwards
 * each run to every lane of the stream.
 * <p>
 * When a lane refuses a run, the run is kept, reading stops (autoRead off, with the reason recorded in a bit
 * mask so that one resume cannot undo another pause), and the handler waits for the lane to make room. Runs that
 * were already read when reading stopped queue behind it in order: at most {@code maxReadsPerLoop} reads'
 * worth. The relay ACKs, once per read batch, the highest sequence that every lane accepted.
 * <p>
 * A publisher whose principal has a publish rate stops reading the same way (its own pause reason) while its
 * principal's connections are ahead of the rate: what was read goes on, nothing is dropped.
 */
final class ProducerHandler extends ChannelInboundHandlerAdapter
{
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProducerHandler.class);

    /** Pause reason: a lane of the stream is full. */
    static final int PAUSE_LANE_FULL = 1;
    /** Pause reason: the relay is shutting down and takes no new input. */
    static final int PAUSE_SHUTDOWN = 2;
    /** Pause reason: the principal's connections are ahead of its publish rate. */
    static final int PAUSE_RATE = 4;

    private final Stream stream;
    private final RelayMetrics metrics;
    private final int streamId;
    private final int sourceId;
    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
    private final Runnable retryTask = this::retry;
    private final PublishRate publishRate;
    private final Runnable rateCheck = this::checkRate;
    private final ByteBufView view = new ByteBufView();
    private final Header header = new Header();
    private ChannelHandlerContext ctx;
    private Runnable wake;
    private long expectedSequence;
    private long acceptedSequence = -1;
    private long ackedSequence = -1;
    private int pauseReasons;
    private long pausedSinceNanos;
    private long heldBytes;
    private boolean closeRequested;

    // The run being delivered while a lane refuses it: which lanes still owe it.
    private ByteBuf blockedRun;
    private int blockedMessages;
    private long blockedLastSequence;
    private Lane[] blockedLanes;
    private boolean[] blockedRefused;
    // Whether a lane has accepted the blocked run: if none does (its subscribers left), it counts as unrouted.
    private boolean blockedRouted;
    // Which lanes hold this publisher, for the lanes view and the blame metric.
    private final ProducerBlame blame;
    private final NanoClock clock;

    Stream stream()
    {
        return stream;
    }

    ProducerHandler(final Stream stream, final int sourceId, final RelayMetrics metrics)
    {
        this(stream, sourceId, metrics, null);
    }

    /**
     * @param publishRate the rate the publisher's principal shares among its connections, or null for none.
     */
    ProducerHandler(final Stream stream, final int sourceId, final RelayMetrics metrics, final PublishRate publishRate)
    {
        this(stream, sourceId, metrics, publishRate, SystemNanoClock.INSTANCE);
    }

    /**
     * @param clock what times the holds counted as blame; tests advance one by hand.
     */
    ProducerHandler(final Stream stream, final int sourceId, final RelayMetrics metrics, final PublishRate publishRate,
        final NanoClock clock)
    {
        this.publishRate = publishRate;
        this.stream = stream;
        this.clock = clock;
        this.blame = new ProducerBlame(stream.name(), sourceId, clock);
        this.streamId = stream.id();
        this.sourceId = sourceId;
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        this.ctx = ctx;
        this.wake = () -> ctx.executor().execute(retryTask);
        stream.publisherJoined();
        metrics.publisherJoined();
        blame.attach(ctx.channel(), ctx.executor());
        metrics.producerJoined(blame);
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
            ReceivedError.record(ctx.channel(), frames, metrics);
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
                pause(ctx, 0x8000_0000);
                closeIfDone();
                break;
            default:
                throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, FrameType.name(type) + " from a publisher");
        }
    }

    private void onRun(final ByteBuf run)
    {
        final int start = run.readerIndex();
        final int end = run.writerIndex();
        int index = start;
        int messages = 0;
        ProtocolException problem = null;
        if (run instanceof DataRun cut && cut.isOneSourceInOrder() && cut.firstSequence() == expectedSequence &&
            cut.streamId() == streamId && cut.sourceId() == sourceId)
        {
            // The decoder's walk already found every frame in order from this connection's source.
            messages = cut.frameCount();
            expectedSequence = cut.lastSequence() + 1;
            index = end;
        }
        else
        {
            // Frame by frame: finds and names the first frame that is wrong; the frames before it go on.
            final DirectBuffer frames = view.wrap(run);
            while (index < end)
            {
                problem = check(header.wrap(frames, index));
                if (problem != null)
                {
                    break;
                }
                expectedSequence++;
                messages++;
                index += header.frameLength();
            }
        }
        if (messages > 0)
        {
            stream.onMessagesIn(messages, index - start);
            metrics.onMessagesIn(messages, index - start);
            run.writerIndex(index);
            enqueue(run, messages, expectedSequence - 1);
            if (publishRate != null)
            {
                holdToRate(publishRate.onBytes(index - start));
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

    private ProtocolException check(final Header frame)
    {
        final int frameStream = frame.streamId();
        final int frameSource = frame.sourceId();
        if (frameStream != streamId || frameSource != sourceId)
        {
            return new ProtocolException(ErrorCode.WRONG_STREAM, "DATA for stream " + frameStream + " source " +
                frameSource + " on a connection welcomed as stream " + streamId + " source " + sourceId);
        }
        final long sequence = frame.sequence();
        if (sequence != expectedSequence)
        {
            return new ProtocolException(ErrorCode.BAD_SEQUENCE,
                "DATA sequence " + sequence + " where " + expectedSequence + " was expected");
        }
        return null;
    }

    private void enqueue(final ByteBuf run, final int messages, final long lastSequence)
    {
        if (blockedRun != null || !held.isEmpty())
        {
            held.add(run);
            heldBytes += run.readableBytes();
            metrics.onHeldBytes(run.readableBytes());
            return;
        }
        deliver(run, messages, lastSequence);
    }

    // A held run was checked when it was read; count it again rather than keep its count beside it (rare path).
    private boolean deliverHeld(final ByteBuf run)
    {
        final DirectBuffer frames = view.wrap(run);
        final int end = run.writerIndex();
        int messages = 0;
        int lastIndex = run.readerIndex();
        for (int index = lastIndex; index < end; index += header.wrap(frames, index).frameLength())
        {
            lastIndex = index;
            messages++;
        }
        return deliver(run, messages, header.wrap(frames, lastIndex).sequence());
    }

    // Offers the run to every lane. Returns true when all took it; else the run is blocked and reading paused.
    private boolean deliver(final ByteBuf run, final int messages, final long lastSequence)
    {
        final Lane[] lanes = stream.lanes();
        boolean[] refused = null;
        long refusedAt = 0;
        boolean routed = false;
        for (int i = 0; i < lanes.length; i++)
        {
            final int result = offer(lanes[i], run, messages);
            if (result == Lane.OFFER_FULL)
            {
                if (refused == null)
                {
                    refused = new boolean[lanes.length];
                    refusedAt = clock.nanoTime(); // one instant: every lane that refuses the run holds from it
                }
                refused[i] = true;
                blame.held(lanes[i], refusedAt);
            }
            routed |= result == Lane.OFFER_ACCEPTED;
        }
        if (refused == null)
        {
            if (!routed)
            {
                // No subscriber, or only ones that left since the lanes were read.
                stream.onUnrouted(messages);
            }
            run.release();
            acceptedSequence = lastSequence;
            return true;
        }
        blockedRouted = routed;
        blockedRun = run;
        blockedMessages = messages;
        blockedLastSequence = lastSequence;
        blockedLanes = lanes;
        blockedRefused = refused;
        heldBytes += run.readableBytes();
        metrics.onHeldBytes(run.readableBytes());
        pause(ctx, PAUSE_LANE_FULL);
        waitForRoom();
        return false;
    }

    private static int offer(final Lane lane, final ByteBuf run, final int messages)
    {
        final ByteBuf copy = run.retainedDuplicate();
        final int result = lane.offer(copy, messages);
        if (result == Lane.OFFER_FULL)
        {
            copy.release();
        }
        return result;
    }

    // Offers the blocked run to one lane that refused it; returns whether that lane no longer owes it.
    private boolean offerBlocked(final Lane lane)
    {
        final int result = offer(lane, blockedRun, blockedMessages);
        blockedRouted |= result == Lane.OFFER_ACCEPTED;
        return result != Lane.OFFER_FULL;
    }

    // Register with every lane that still owes the run, then try once more: a lane that drained in between
    // would otherwise never wake us.
    private void waitForRoom()
    {
        boolean done = true;
        for (int i = 0; i < blockedLanes.length; i++)
        {
            if (blockedRefused[i])
            {
                final Lane lane = blockedLanes[i];
                lane.awaitRoom(wake);
                if (offerBlocked(lane))
                {
                    blockedRefused[i] = false;
                    blame.released(lane, clock.nanoTime());
                }
                else
                {
                    done = false;
                }
            }
        }
        if (done)
        {
            ctx.executor().execute(retryTask);
        }
    }

    private void retry()
    {
        if (blockedRun == null)
        {
            return;
        }
        boolean done = true;
        for (int i = 0; i < blockedLanes.length; i++)
        {
            if (blockedRefused[i])
            {
                if (offerBlocked(blockedLanes[i]))
                {
                    blockedRefused[i] = false;
                    blame.released(blockedLanes[i], clock.nanoTime());
                }
                else
                {
                    done = false;
                }
            }
        }
        if (!done)
        {
            waitForRoom();
            return;
        }
        if (!blockedRouted)
        {
            stream.onUnrouted(blockedMessages);
        }
        unheld(blockedRun.readableBytes());
        blockedRun.release();
        blockedRun = null;
        blockedLanes = null;
        blockedRefused = null;
        acceptedSequence = blockedLastSequence;
        ByteBuf run;
        while ((run = held.poll()) != null)
        {
            unheld(run.readableBytes());
            if (!deliverHeld(run))
            {
                sendAck();
                return;
            }
        }
        sendAck();
        resume(ctx, PAUSE_LANE_FULL);
        closeIfDone();
    }

    // Bytes already read go on; reading stops until the principal is back within its rate.
    private void holdToRate(final long delayNanos)
    {
        if (delayNanos > 0 && (pauseReasons & PAUSE_RATE) == 0 && ctx != null)
        {
            pause(ctx, PAUSE_RATE);
            ctx.executor().schedule(rateCheck, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void checkRate()
    {
        if (ctx == null || (pauseReasons & PAUSE_RATE) == 0)
        {
            return;
        }
        final long delayNanos = publishRate.delayNanos();
        if (delayNanos > 0)
        {
            ctx.executor().schedule(rateCheck, delayNanos, TimeUnit.NANOSECONDS);
            return;
        }
        resume(ctx, PAUSE_RATE);
    }

    private void unheld(final int bytes)
    {
        heldBytes -= bytes;
        metrics.onHeldBytes(-bytes);
    }

    private void pause(final ChannelHandlerContext ctx, final int reason)
    {
        if (pauseReasons == 0)
        {
            pausedSinceNanos = System.nanoTime();
            stream.onPaused(pausedSinceNanos);
            if (LOG.isDebugEnabled())
            {
                LOG.debug("publisher {} of stream '{}' paused ({})", ctx.channel().remoteAddress(), stream.name(),
                    reason == PAUSE_LANE_FULL ? "a lane is full" : reason == PAUSE_SHUTDOWN ? "shutting down" :
                        reason == PAUSE_RATE ? "ahead of its principal's publish rate" : "closing");
            }
        }
        pauseReasons |= reason;
        ctx.channel().config().setAutoRead(false);
    }

    private void resume(final ChannelHandlerContext ctx, final int reason)
    {
        final boolean wasPaused = pauseReasons != 0;
        pauseReasons &= ~reason;
        if (pauseReasons == 0 && wasPaused)
        {
            final long now = stream.onResumed(pausedSinceNanos);
            if (LOG.isDebugEnabled())
            {
                LOG.debug("publisher {} of stream '{}' resumed after {} µs", ctx.channel().remoteAddress(), stream.name(),
                    (now - pausedSinceNanos) / 1000);
            }
        }
        if (pauseReasons == 0 && ctx.channel().isActive())
        {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void closeIfDone()
    {
        if (closeRequested && blockedRun == null && held.isEmpty())
        {
            sendAck();
            ctx.close();
        }
    }

    /** Publisher's event loop: messages received from this publisher and checked (for its connection's close line). */
    long messagesIn()
    {
        return expectedSequence;
    }

    /** Publisher's event loop: the relay is closing; read nothing more (what is held still goes out). */
    void pauseForShutdown()
    {
        if (ctx != null)
        {
            pause(ctx, PAUSE_SHUTDOWN);
        }
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx)
    {
        sendAck();
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
        if (acceptedSequence > ackedSequence && ctx.channel().isActive() && ctx.channel().isWritable())
        {
            ackedSequence = acceptedSequence;
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
        if (blockedRun != null)
        {
            unheld(blockedRun.readableBytes());
            blockedRun.release();
            blockedRun = null;
            blockedLanes = null;
            blockedRefused = null;
        }
        ByteBuf run;
        while ((run = held.poll()) != null)
        {
            unheld(run.readableBytes());
            run.release();
        }
        if (pauseReasons != 0)
        {
            pauseReasons = 0;
            stream.onResumed(pausedSinceNanos);
        }
        if (ctx != null)
        {
            ctx = null;
            stream.publisherLeft();
            metrics.publisherLeft();
            metrics.producerLeft(blame);
        }
    }
}
