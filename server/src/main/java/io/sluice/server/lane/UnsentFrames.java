package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;

import java.util.ArrayList;
import java.util.List;

/**
 * Takes back from a channel's outbound buffer the frames the kernel has not taken yet, so that a closing durable lane
 * can keep them on disk instead of losing them with the connection.
 * <p>
 * Netty's outbound buffer holds whole buffers of frames (runs and chunks of DATA, single control frames), each
 * starting on a frame boundary. The kernel may have taken part of the first one: its reader index has moved by the
 * bytes written, and {@link ChannelOutboundBuffer#currentProgress()} says by how many, so its first frame starts at
 * {@code readerIndex - progress}. Walking frames from there splits it into frames already on the wire (left alone),
 * at most one frame the kernel took part of (its rest must still be written, or the subscriber would see a truncated
 * frame and the stream would lose its framing), and frames not started (taken back).
 * <p>
 * Use on the channel's event loop, in one task: {@link #collect} (retains what it takes back), then hand the frames
 * on, then {@link #clearAndFinish} (empties the outbound buffer and writes the rest of the partly written frame).
 * <p>
 * Netty has no public way to take written messages back, and without it a graceful stop would lose what the kernel
 * has not taken; so this edits {@code ChannelOutboundBuffer} through {@code Channel.unsafe()} (on the event loop
 * only), and {@code UnsentFramesTest} pins that behaviour to the Netty version it was checked against.
 */
final class UnsentFrames
{
    private final List<ByteBuf> frames = new ArrayList<>();
    private ByteBuf restOfPartialFrame;
    private long messages;

    private UnsentFrames()
    {
    }

    /**
     * Event loop. Retains (as slices) the message frames (DATA, GAP) of {@code channel}'s outbound buffer that the
     * kernel has not started on, oldest first, and the rest of the frame it took part of; changes nothing yet.
     */
    static UnsentFrames collect(final Channel channel)
    {
        final UnsentFrames unsent = new UnsentFrames();
        final ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        if (outbound == null)
        {
            return unsent;
        }
        // Written but not flushed would be written after what we hand over: count it in (the lane flushes in the
        // same task it writes, so there is normally none).
        outbound.addFlush();
        final long progress = outbound.currentProgress();
        final boolean[] first = {true};
        try
        {
            outbound.forEachFlushedMessage(msg ->
            {
                if (msg instanceof ByteBuf)
                {
                    unsent.take((ByteBuf)msg, first[0] ? progress : 0);
                }
                first[0] = false;
                return true;
            });
        }
        catch (final Exception ex)
        {
            unsent.release();
            throw new IllegalStateException(ex);
        }
        return unsent;
    }

    private void take(final ByteBuf buffer, final long written)
    {
        final int sent = buffer.readerIndex();
        final int end = buffer.writerIndex();
        int index = (int)(sent - written);
        while (index < end && index + Frames.frameLength(buffer, index) <= sent)
        {
            index += Frames.frameLength(buffer, index);
        }
        if (index < sent)
        {
            // The kernel has part of this frame: the rest goes out before the FIN.
            final int frameEnd = index + Frames.frameLength(buffer, index);
            restOfPartialFrame = buffer.retainedSlice(sent, frameEnd - sent);
            index = frameEnd;
        }
        if (index < end)
        {
            final int type = Frames.type(buffer, index);
            if (type == FrameType.DATA || type == FrameType.GAP)
            {
                messages += Frames.count(buffer, index, end);
                frames.add(buffer.retainedSlice(index, end - index));
            }
        }
    }

    /** @return the frames taken back, oldest first; the caller takes ownership of each. */
    List<ByteBuf> frames()
    {
        return frames;
    }

    /** @return whether the kernel had taken part of a frame, whose rest {@link #clearAndFinish} writes. */
    boolean finishesAPartFrame()
    {
        return restOfPartialFrame != null;
    }

    /** @return how many frames were taken back. */
    long messages()
    {
        return messages;
    }

    /**
     * Event loop, right after {@link #collect} and handing {@link #frames()} on: removes everything from the outbound
     * buffer (it is all either taken back or already on the wire) and writes and flushes the rest of the partly
     * written frame, so the subscriber receives it whole.
     */
    void clearAndFinish(final Channel channel)
    {
        final ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        if (outbound != null)
        {
            // Releases each buffer and completes its promise: nothing of them is written any more.
            while (outbound.remove())
            {
                // next
            }
        }
        if (restOfPartialFrame != null)
        {
            final ByteBuf rest = restOfPartialFrame;
            restOfPartialFrame = null;
            if (outbound != null)
            {
                channel.writeAndFlush(rest, channel.voidPromise());
            }
            else
            {
                rest.release();
            }
        }
    }

    /** Releases what was collected and not handed on (on failure). */
    void release()
    {
        for (final ByteBuf buffer : frames)
        {
            buffer.release();
        }
        frames.clear();
        if (restOfPartialFrame != null)
        {
            restOfPartialFrame.release();
            restOfPartialFrame = null;
        }
    }
}
