package io.sluice.client;

import io.netty.channel.Channel;
import io.sluice.core.netty.Transports;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.protocol.ProtocolException;

import java.util.function.Consumer;

/**
 * What both kinds of subscription share: the options they asked with and, with acknowledged delivery
 * ({@link SubscribeOptions#acknowledged()}), what the relay's WELCOME granted and the acknowledgements. Each delivered
 * message's {@link io.sluice.core.protocol.Header#position() position} and
 * {@link io.sluice.core.protocol.Header#isRedelivered() redelivered} flag are on the header the handler is given.
 * Only the client's own classes extend it.
 */
public abstract class SubscriberEndpoint extends StreamEndpoint
{
    final SubscribeOptions options;
    // Set on the event loop when the WELCOME arrives, before the subscription is handed to the application.
    volatile Acknowledgements acks;

    SubscriberEndpoint(final String stream, final Channel channel, final SubscribeOptions options,
        final Consumer<AutoCloseable> onClose)
    {
        super(stream, channel, onClose);
        this.options = options;
    }

    /**
     * Event loop: the relay welcomed this subscription.
     */
    final void welcomed(final Welcome welcome)
    {
        if (options.isAcknowledged())
        {
            if (!welcome.acknowledged())
            {
                throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME,
                    "WELCOME without the acknowledged-delivery fields to a subscriber that asked for them");
            }
            final Acknowledgements acks = new Acknowledgements(channel, welcome, options.ackMode());
            this.acks = acks;
            acknowledging(acks);
        }
        connected = true;
    }

    /**
     * Event loop, once, before any frame is delivered: start counting positions.
     */
    abstract void acknowledging(Acknowledgements acks);

    /**
     * Event loop: the application's goodbye. What is processed and not yet acknowledged is acknowledged, and nothing
     * after; what still arrives is dropped unread (a frame the close cuts short is no TRUNCATED_FRAME); then CLOSE, and
     * the connection closes once the relay has closed it (5 s at most).
     */
    final void sayGoodbye()
    {
        final Acknowledgements acks = this.acks;
        if (acks != null)
        {
            acks.finish();
        }
        FrameDecoder.discardInput(channel.pipeline());
        if (Transports.seesPeerCloseWithoutReading())
        {
            // Reading no more, the relay writes no more than the socket holds (the rest stays in its lane); closing
            // only once the relay has read the ACK and CLOSE: a close with unread bytes resets the connection, and a
            // relay still writing then fails before it reads them, so the last ACK was lost and what it covered came
            // again on the subscription's next connection.
            channel.config().setAutoRead(false);
            sendCloseFrameAndAwaitRelay();
        }
        else
        {
            // NIO sees the relay's close only by reading, and reading on would let the relay write its lane into a
            // connection that discards it: close once the CLOSE is written, as the relay may then miss the last ACK.
            sendCloseFrameAndClose();
        }
    }

    /**
     * @return the options this subscription asked with.
     */
    public SubscribeOptions options()
    {
        return options;
    }

    /**
     * @return whether this subscription acknowledges what it processed (and the relay agreed).
     */
    public boolean isAcknowledging()
    {
        return acks != null;
    }

    /**
     * @return the position of the first DATA or GAP frame on this connection; 0 without acknowledged delivery.
     */
    public long firstPosition()
    {
        final Acknowledgements acks = this.acks;
        return acks == null ? 0 : acks.firstPosition();
    }

    /**
     * @return the last position the relay delivers again, flagged redelivered (sent on an earlier connection and not
     * acknowledged); below {@link #firstPosition()} when there are none; 0 without acknowledged delivery.
     */
    public long redeliveredThrough()
    {
        final Acknowledgements acks = this.acks;
        return acks == null ? 0 : acks.redeliveredThrough();
    }

    /**
     * @return the window the relay granted, in messages; 0 without acknowledged delivery.
     */
    public int windowMessages()
    {
        final Acknowledgements acks = this.acks;
        return acks == null ? 0 : acks.windowMessages();
    }

    /**
     * @return the window the relay granted, in bytes; 0 without acknowledged delivery.
     */
    public int windowBytes()
    {
        final Acknowledgements acks = this.acks;
        return acks == null ? 0 : acks.windowBytes();
    }

    /**
     * @return the highest position processed so far (acknowledged to the relay, or about to be); below
     * {@link #firstPosition()} before any; 0 without acknowledged delivery.
     */
    public long acknowledgedPosition()
    {
        final Acknowledgements acks = this.acks;
        return acks == null ? 0 : acks.processedPosition();
    }

    /**
     * Says that every message up to {@code position} (a {@link io.sluice.core.protocol.Header#position()} this
     * subscription delivered) has been processed, with {@link AckMode#EXPLICIT}. Any thread. The ACK goes to the
     * relay coalesced with others, within 100 ms; a position at or below one already acknowledged changes nothing.
     *
     * @param position the last position processed.
     * @throws IllegalStateException without acknowledged delivery, or with {@link AckMode#AUTO}.
     * @throws IllegalArgumentException when the position has not been delivered.
     */
    public void acknowledge(final long position)
    {
        final Acknowledgements acks = this.acks;
        if (acks == null)
        {
            throw new IllegalStateException("subscription to " + stream + " without acknowledged delivery");
        }
        acks.acknowledge(position);
    }
}
