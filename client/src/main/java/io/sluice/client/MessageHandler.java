package io.sluice.client;

import io.sluice.core.protocol.Header;
import org.agrona.DirectBuffer;

/**
 * Receives what {@link Subscription#poll} delivers on the polling thread, or what a {@link CallbackSubscription}
 * delivers on its connection's event loop. The buffer and header are valid only during the call: copy out what must
 * outlive it.
 */
@FunctionalInterface
public interface MessageHandler
{
    /**
     * A message.
     *
     * @param buffer holds the payload.
     * @param offset payload start.
     * @param length payload length.
     * @param header the frame's header: source, sequence, timestamp, flags.
     */
    void onMessage(DirectBuffer buffer, int offset, int length, Header header);

    /**
     * The relay dropped messages of one source before this point; see {@link Header#gapFromSequence()},
     * {@link Header#gapToSequence()}, {@link Header#gapDroppedCount()} and {@link Header#gapReason()}.
     *
     * @param header the GAP frame's header.
     */
    default void onGap(final Header header)
    {
    }

    /**
     * The end of a batch: of one {@link Subscription#poll} that delivered something, or of one read from the socket
     * for a {@link CallbackSubscription}. A place to publish counts to other threads, or flush what the messages
     * produced, once per batch rather than once per message.
     */
    default void onBatchEnd()
    {
    }
}
