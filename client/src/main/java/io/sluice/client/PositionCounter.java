package io.sluice.client;

import io.sluice.core.protocol.Header;
import org.agrona.DirectBuffer;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;

/**
 * Stands between a dispatcher and the application's handler on an acknowledging subscription: gives each DATA or GAP
 * frame its position (one more than the last, from the WELCOME's), sets it on the header, records it as delivered, and
 * in {@link AckMode#AUTO} for a handler on the event loop, as processed once the handler returns. For the delivering
 * thread only; allocates nothing.
 */
final class PositionCounter implements MessageHandler
{
    private final Acknowledgements acks;
    private final boolean processedOnReturn;
    private MessageHandler delegate;
    private long position;
    private long bytes;

    /**
     * @param processedOnReturn whether a frame is processed once the handler returns from it.
     */
    PositionCounter(final Acknowledgements acks, final MessageHandler delegate, final boolean processedOnReturn)
    {
        this.acks = acks;
        this.delegate = delegate;
        this.processedOnReturn = processedOnReturn;
        this.position = acks.firstPosition() - 1;
    }

    PositionCounter delegate(final MessageHandler delegate)
    {
        this.delegate = delegate;
        return this;
    }

    /**
     * {@link AckMode#AUTO} without {@code processedOnReturn}: everything delivered so far is processed.
     */
    void deliveredAreProcessed()
    {
        if (acks.mode() == AckMode.AUTO && position > acks.processedPosition())
        {
            acks.processed(position, bytes);
        }
    }

    @Override
    public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        final long position = next(HEADER_LENGTH + length, header);
        delegate.onMessage(buffer, offset, length, header);
        if (processedOnReturn)
        {
            acks.processed(position, bytes);
        }
    }

    @Override
    public void onGap(final Header header)
    {
        final long position = next(header.frameLength(), header);
        delegate.onGap(header);
        if (processedOnReturn)
        {
            acks.processed(position, bytes);
        }
    }

    @Override
    public void onBatchEnd()
    {
        delegate.onBatchEnd();
    }

    private long next(final int frameLength, final Header header)
    {
        final long position = ++this.position;
        bytes += frameLength;
        header.position(position);
        acks.delivered(position, bytes);
        return position;
    }
}
