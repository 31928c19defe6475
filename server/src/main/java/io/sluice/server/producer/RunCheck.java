package io.sluice.server.producer;

import io.netty.buffer.ByteBuf;
import io.sluice.core.netty.ByteBufView;
import io.sluice.core.protocol.DataRun;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.Header;
import io.sluice.core.protocol.ProtocolException;
import org.agrona.DirectBuffer;

/**
 * The producer's check of a run: every DATA frame must carry the stream and source its connection was welcomed as,
 * and the next sequence. The decoder's own walk is trusted when it already found the run in order from one source;
 * otherwise the frames are walked one by one, so that the frames before the first wrong one can still go on.
 * <p>
 * Publisher's event loop only. Allocates nothing unless a frame is wrong.
 */
final class RunCheck
{
    private final int streamId;
    private final int sourceId;
    private final ByteBufView view = new ByteBufView();
    private final Header header = new Header();
    private long expectedSequence;
    private int checkedEnd;
    private ProtocolException problem;

    RunCheck(final int streamId, final int sourceId)
    {
        this(streamId, sourceId, 0);
    }

    /**
     * @param firstSequence the sequence the first frame must carry: an identified publisher's from its WELCOME.
     */
    RunCheck(final int streamId, final int sourceId, final long firstSequence)
    {
        this.streamId = streamId;
        this.sourceId = sourceId;
        this.expectedSequence = firstSequence;
    }

    /**
     * Checks a run from its reader index up to the first wrong frame.
     *
     * @param run DATA frames of one read.
     * @return how many frames passed; they end at {@link #checkedEnd()}, and {@link #problem()} names the first frame
     * that did not pass, if any.
     */
    int check(final ByteBuf run)
    {
        final int end = run.writerIndex();
        problem = null;
        if (run instanceof DataRun cut && cut.isOneSourceInOrder() && cut.firstSequence() == expectedSequence &&
            cut.streamId() == streamId && cut.sourceId() == sourceId)
        {
            expectedSequence = cut.lastSequence() + 1;
            checkedEnd = end;
            return cut.frameCount();
        }
        final DirectBuffer frames = view.wrap(run);
        int index = run.readerIndex();
        int messages = 0;
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
        checkedEnd = index;
        return messages;
    }

    /** @return the index just past the last frame that passed the last {@link #check(ByteBuf)}. */
    int checkedEnd()
    {
        return checkedEnd;
    }

    /** @return what was wrong with the first frame that did not pass the last {@link #check(ByteBuf)}, or null. */
    ProtocolException problem()
    {
        return problem;
    }

    /** @return the sequence the next frame must carry: also the count of frames that passed so far. */
    long expectedSequence()
    {
        return expectedSequence;
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
}
