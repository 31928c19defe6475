package io.sluice.client;

import io.sluice.core.protocol.Header;
import org.agrona.DirectBuffer;

/**
 * Receives what {@link Subscription#poll} delivers. The buffer and header are valid only during the call:
 * copy out what must outlive it.
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
}
