package io.sluice.client;

import io.netty.channel.Channel;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;

/**
 * What both publications, {@link Publication} and {@link ExclusivePublication}, know from the relay: the ids its
 * WELCOME gave, the largest payload it takes, and how far it has acknowledged.
 */
public abstract class PublicationEndpoint extends StreamEndpoint
{
    int streamId;
    int sourceId;
    // What the publication's memory holds, set by the subclass; lowered to the relay's limit on WELCOME, before
    // connected is set: a publishing thread reads connected first.
    int maxPayloadLength;
    volatile long ackedSequence = -1;
    // Set on WELCOME, before connected is.
    long firstSequence;

    PublicationEndpoint(final String stream, final Channel channel, final Consumer<AutoCloseable> onClose)
    {
        super(stream, channel, onClose);
    }

    /**
     * Takes the relay's WELCOME; on the event loop, before the handshake completes.
     */
    final void welcomed(final Welcome welcome)
    {
        streamId = welcome.streamId();
        sourceId = welcome.sourceId();
        maxPayloadLength = Math.min(maxPayloadLength, welcome.maxFrameLength() - HEADER_LENGTH);
        firstSequence = welcome.nextSequence();
        // What the relay accepted on an identified publisher's earlier connections is as good as acknowledged.
        ackedSequence = firstSequence - 1;
        startAt(firstSequence);
        connected = true;
    }

    /**
     * On WELCOME, before the publication is connected: the sequence its first message carries.
     */
    abstract void startAt(long sequence);

    /**
     * Closes the connection without a goodbye, then hands {@code then}, on the event loop, a future for it to
     * complete: queued after the task that closed the channel, which gave back what its outbound buffer held. For a
     * resume, which waits for the log the connection sent from.
     *
     * @param then runs on the event loop once the connection is closed.
     * @return the future {@code then} completes; failed when the client is closing.
     */
    final CompletableFuture<Void> closeThen(final Consumer<CompletableFuture<Void>> then)
    {
        final CompletableFuture<Void> back = new CompletableFuture<>();
        channel.close().addListener(closed ->
        {
            try
            {
                eventLoop.execute(() -> then.accept(back));
            }
            catch (final RejectedExecutionException ex)
            {
                back.completeExceptionally(ex);
            }
        });
        return back;
    }

    /**
     * Runs {@code task} on the event loop, unless the client is closing: its connections, and what they had left to
     * send, are gone then.
     */
    final void execute(final Runnable task)
    {
        try
        {
            eventLoop.execute(task);
        }
        catch (final RejectedExecutionException ex)
        {
            // Nothing left to do it for.
        }
    }

    /**
     * @return the sequence of this publication's first message: 0, or for an identified publisher (opened with a
     * producer id) the one the relay's WELCOME gave, after what it accepted from the producer id before.
     */
    public long firstSequence()
    {
        return firstSequence;
    }

    /**
     * @return the source id the relay assigned; subscribers see it in each message's header.
     */
    public int sourceId()
    {
        return sourceId;
    }

    /**
     * @return the largest payload a message may have: the smaller of the client's
     * {@link ClientConfig#maxMessageLength()} (and what this publication's memory holds) and what the relay's
     * max-frame-length, in its WELCOME, leaves after the header.
     */
    public int maxPayloadLength()
    {
        return maxPayloadLength;
    }

    /**
     * @return the highest sequence the relay has acknowledged, or -1. The relay acknowledges an identified
     * publication after each read of its socket, an anonymous one once it has read everything sent so far, else
     * within a millisecond.
     */
    public long ackedSequence()
    {
        return ackedSequence;
    }
}
