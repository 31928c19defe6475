package io.sluice.server.bridge;

import io.netty.buffer.ByteBuf;

import java.util.function.ToIntFunction;

/**
 * What a relay gives its bridges: where to connect as a client, the dead-letter store, and how many subscribers a
 * stream has. Made by the relay; tests make their own.
 */
public final class BridgeContext
{
    /**
     * Where a bridge's undeliverable messages go: the relay's dead-letter store, when it keeps one.
     */
    @FunctionalInterface
    public interface DeadLetters
    {
        /** Keeps nothing. */
        DeadLetters NONE = (stream, reason, frames, index, length) -> 0;

        /**
         * Hands whole DATA frames over to be kept; any thread, never blocks, keeps no reference to the buffer.
         *
         * @param stream the stream they came from.
         * @param reason why they could not be delivered: a reason code of
         *               {@code io.sluice.spill.deadletter.DeadLetterDescriptor}.
         * @param frames holds the frames.
         * @param index first byte of the first frame.
         * @param length bytes of whole frames.
         * @return frames accepted; the others are not kept.
         */
        int offer(String stream, int reason, ByteBuf frames, int index, int length);
    }

    private final String relayHost;
    private final int relayPort;
    private final String authToken;
    private final int maxFrameLength;
    private final DeadLetters deadLetters;
    private final boolean deadLetterStore;
    private final ToIntFunction<String> subscribers;

    /**
     * @param relayHost address a bridge connects to, as a client, to reach the relay (loopback when it listens on
     *                  every interface).
     * @param relayPort the relay's port.
     * @param authToken the token the relay wants in HELLO, or empty.
     * @param maxFrameLength the largest frame the relay takes, header included.
     * @param deadLetters the relay's dead-letter store, or null when it keeps none.
     * @param subscribers subscribers a stream has now, by stream name (0 for an unknown stream).
     */
    public BridgeContext(final String relayHost, final int relayPort, final String authToken, final int maxFrameLength,
        final DeadLetters deadLetters, final ToIntFunction<String> subscribers)
    {
        this.relayHost = relayHost;
        this.relayPort = relayPort;
        this.authToken = authToken;
        this.maxFrameLength = maxFrameLength;
        this.deadLetters = deadLetters == null ? DeadLetters.NONE : deadLetters;
        this.deadLetterStore = deadLetters != null;
        this.subscribers = subscribers;
    }

    /** @return the address to connect to the relay at. */
    public String relayHost()
    {
        return relayHost;
    }

    /** @return the relay's port. */
    public int relayPort()
    {
        return relayPort;
    }

    /** @return the token to send in HELLO, or empty. */
    public String authToken()
    {
        return authToken;
    }

    /** @return the largest frame the relay takes, header included. */
    public int maxFrameLength()
    {
        return maxFrameLength;
    }

    /** @return where undeliverable messages go; keeps nothing when the relay has no dead-letter store. */
    public DeadLetters deadLetters()
    {
        return deadLetters;
    }

    /** @return whether the relay keeps a dead-letter store. */
    public boolean hasDeadLetterStore()
    {
        return deadLetterStore;
    }

    /**
     * @param stream a stream name.
     * @return subscribers the stream has now.
     */
    public int subscribers(final String stream)
    {
        return subscribers.applyAsInt(stream);
    }
}
