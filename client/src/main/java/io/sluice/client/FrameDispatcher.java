package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.sluice.core.netty.ByteBufView;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Header;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.LENGTH_OFFSET;

/**
 * Hands frames to a {@link MessageHandler} where they lie, without copying them: a DATA frame's payload to
 * {@link MessageHandler#onMessage}, a GAP frame to {@link MessageHandler#onGap}. A subscription's poll dispatches the
 * frames of its ring; a {@link CallbackSubscription} the runs of the socket's read buffer. Allocates nothing.
 * Not thread-safe: one per consuming thread.
 */
public final class FrameDispatcher
{
    private final Header header = new Header();
    private final ByteBufView view = new ByteBufView();
    private boolean stopped;

    /**
     * Dispatches the DATA frames of a run (as {@link io.sluice.core.protocol.FrameDecoder} emits them: whole frames
     * back to back, from the reader index to the writer index), in order, until the run ends or {@link #stop()} is
     * called. The run is not released.
     *
     * @param run DATA frames.
     * @param handler receives each message.
     * @return messages dispatched.
     */
    public int dispatchRun(final ByteBuf run, final MessageHandler handler)
    {
        final DirectBuffer buffer = view.wrap(run);
        final Header header = this.header;
        final int end = run.writerIndex();
        int index = run.readerIndex();
        int count = 0;
        while (index < end && !stopped)
        {
            final int frameLength = buffer.getInt(index + LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
            handler.onMessage(buffer, index + HEADER_LENGTH, frameLength - HEADER_LENGTH, header.wrap(buffer, index));
            index += frameLength;
            count++;
        }
        return count;
    }

    /**
     * Dispatches one frame, DATA or GAP.
     *
     * @param buffer holds the frame.
     * @param index where it starts.
     * @param frameLength its length, header included.
     * @param handler receives it.
     */
    public void dispatch(
        final DirectBuffer buffer, final int index, final int frameLength, final MessageHandler handler)
    {
        header.wrap(buffer, index);
        if (header.type() == FrameType.GAP)
        {
            handler.onGap(header);
        }
        else
        {
            handler.onMessage(buffer, index + HEADER_LENGTH, frameLength - HEADER_LENGTH, header);
        }
    }

    /**
     * Dispatches one frame of a ByteBuf, at its reader index.
     *
     * @param frame holds the frame.
     * @param handler receives it.
     */
    public void dispatch(final ByteBuf frame, final MessageHandler handler)
    {
        dispatch(view.wrap(frame), frame.readerIndex(), frame.readableBytes(), handler);
    }

    /**
     * Makes {@link #dispatchRun} stop before the next frame, from now on: called from a handler (on the same thread)
     * that closes its subscription.
     */
    public void stop()
    {
        stopped = true;
    }
}
