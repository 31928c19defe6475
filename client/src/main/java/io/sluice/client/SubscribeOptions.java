package io.sluice.client;

import java.util.Objects;

/**
 * How a subscription asks to be served, beyond its stream and subscription name: today, whether it acknowledges what
 * it has processed. Immutable: {@link #window} and {@link #ackMode} return changed copies.
 * <pre>{@code
 * SubscribeOptions.acknowledged().window(10_000, 16 << 20).ackMode(AckMode.EXPLICIT)
 * }</pre>
 * With acknowledged delivery the relay keeps at most a window of delivered, unacknowledged messages (and bytes) per
 * subscription; a durable subscription's unacknowledged messages are delivered again, flagged
 * {@link io.sluice.core.protocol.Header#isRedelivered() redelivered}, on its next connection. Each message's
 * {@link io.sluice.core.protocol.Header#position() position} is what acknowledges it. The library sends the
 * acknowledgements, coalesced: once half the granted window is processed and not yet acknowledged, or 100 ms after the
 * first one not yet sent, whichever comes first, and on close.
 */
public final class SubscribeOptions
{
    /** A subscription as before: no acknowledgements, nothing delivered again. */
    public static final SubscribeOptions DEFAULT = new SubscribeOptions(false, 0, 0, AckMode.AUTO);

    private final boolean acknowledged;
    private final int windowMessages;
    private final int windowBytes;
    private final AckMode ackMode;

    private SubscribeOptions(final boolean acknowledged, final int windowMessages, final int windowBytes,
        final AckMode ackMode)
    {
        this.acknowledged = acknowledged;
        this.windowMessages = windowMessages;
        this.windowBytes = windowBytes;
        this.ackMode = ackMode;
    }

    /**
     * @return acknowledged delivery, with the relay's window, acknowledged {@link AckMode#AUTO automatically}.
     */
    public static SubscribeOptions acknowledged()
    {
        return new SubscribeOptions(true, 0, 0, AckMode.AUTO);
    }

    /**
     * @param messages most messages delivered and not acknowledged; 0 for the relay's setting.
     * @param bytes most bytes of frames (headers included) delivered and not acknowledged; 0 for the relay's setting.
     * @return a copy with this window asked for; the relay grants at most its own setting.
     * @throws IllegalArgumentException when either is negative.
     * @throws IllegalStateException without acknowledged delivery.
     */
    public SubscribeOptions window(final int messages, final int bytes)
    {
        requireAcknowledged("a window");
        if (messages < 0 || bytes < 0)
        {
            throw new IllegalArgumentException("window " + messages + " messages, " + bytes +
                " bytes: negative (0 asks for the relay's)");
        }
        return new SubscribeOptions(true, messages, bytes, ackMode);
    }

    /**
     * @param mode who acknowledges.
     * @return a copy with this mode.
     * @throws IllegalStateException without acknowledged delivery.
     */
    public SubscribeOptions ackMode(final AckMode mode)
    {
        requireAcknowledged("an ack mode");
        return new SubscribeOptions(true, windowMessages, windowBytes, Objects.requireNonNull(mode, "mode"));
    }

    private void requireAcknowledged(final String what)
    {
        if (!acknowledged)
        {
            throw new IllegalStateException(what + " needs acknowledged delivery: start from acknowledged()");
        }
    }

    /** @return whether the subscription acknowledges what it processed. */
    public boolean isAcknowledged()
    {
        return acknowledged;
    }

    /** @return the window asked for, in messages; 0 for the relay's. */
    public int windowMessages()
    {
        return windowMessages;
    }

    /** @return the window asked for, in bytes; 0 for the relay's. */
    public int windowBytes()
    {
        return windowBytes;
    }

    /** @return who acknowledges. */
    public AckMode ackMode()
    {
        return ackMode;
    }

    @Override
    public String toString()
    {
        return acknowledged ?
            "acknowledged(window " + windowMessages + " messages, " + windowBytes + " bytes, " + ackMode + ")" :
            "default";
    }
}
