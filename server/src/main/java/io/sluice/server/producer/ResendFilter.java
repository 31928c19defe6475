package io.sluice.server.producer;

import io.netty.buffer.ByteBuf;
import io.sluice.core.protocol.FrameDescriptor;

/**
 * An identified publisher's resends (protocol.md §4.2): after a reconnect it may first send again frames below the
 * sequence its WELCOME gave, which the relay already accepted from an earlier connection. Those are skipped here,
 * before {@link RunCheck}, so subscribers see each message once; they still count towards the ACK. The first frame at
 * or above the WELCOME's sequence ends the resends, and from then on every frame goes to the check as usual.
 * <p>
 * Publisher's event loop only. Walks only the runs that start below the WELCOME's sequence; allocates nothing.
 */
final class ResendFilter
{
    private final int streamId;
    private final int sourceId;
    private final long welcomeSequence;
    private boolean resending = true;

    /**
     * @param welcomeSequence the next sequence the WELCOME announced.
     */
    ResendFilter(final int streamId, final int sourceId, final long welcomeSequence)
    {
        this.streamId = streamId;
        this.sourceId = sourceId;
        this.welcomeSequence = welcomeSequence;
    }

    /**
     * Moves the run's reader index past its leading resent frames.
     *
     * @param run DATA frames of one read.
     * @return how many frames were skipped.
     */
    int skipResent(final ByteBuf run)
    {
        if (!resending)
        {
            return 0;
        }
        final int end = run.writerIndex();
        int index = run.readerIndex();
        int skipped = 0;
        while (index < end)
        {
            if (run.getInt(index + FrameDescriptor.STREAM_ID_OFFSET) != streamId ||
                run.getInt(index + FrameDescriptor.SOURCE_ID_OFFSET) != sourceId)
            {
                // Not a resend: the check refuses it.
                break;
            }
            if (run.getLong(index + FrameDescriptor.SEQUENCE_OFFSET) >= welcomeSequence)
            {
                resending = false;
                break;
            }
            index += run.getInt(index + FrameDescriptor.LENGTH_OFFSET);
            skipped++;
        }
        run.readerIndex(index);
        return skipped;
    }
}
