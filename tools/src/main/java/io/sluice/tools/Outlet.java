package io.sluice.tools;

import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;

/**
 * What {@code produce}'s send loop needs of a publication, whatever its kind: send one message without blocking, the
 * {@link DutyCycle} around waits, finish sending at the end of the run, and the few things it reads of the connection.
 * {@link EventLoopOutlet} publishes through the client's event loop (claims, or with {@code --offer} the shared
 * publication's offer), on the client's event loop threads or, with {@code --invoker}, on the publishing thread in
 * the client's duty cycle; {@link DirectOutlet} ({@code --direct}) through a direct publication whose socket the
 * publishing thread writes itself.
 */
interface Outlet extends DutyCycle
{
    /** The longest {@link #finishSending()} waits for what is left to leave. */
    long FINISH_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

    /**
     * Sends one message without blocking.
     *
     * @param payload holds the payload from index 0.
     * @param size payload length.
     * @param flags frame flags.
     * @param timestampNanos the timestamp to stamp, or 0 for now.
     * @return 0 or more when sent, else a negative status of {@link io.sluice.client.Publication}:
     * {@code BACK_PRESSURED}, {@code MESSAGE_TOO_LARGE}, {@code CLOSED} or {@code NOT_CONNECTED}.
     */
    long send(UnsafeBuffer payload, int size, int flags, long timestampNanos);

    /**
     * After the last message: waits, for a bounded time, until what was sent has left for the relay.
     */
    void finishSending();

    /**
     * @return the sequence of the first message: 0, or for an identified producer the one the relay's WELCOME gave.
     */
    long firstSequence();

    /**
     * @return the largest payload a message may have, as the relay's WELCOME and the client's settings allow.
     */
    int maxPayloadLength();

    /**
     * @return the highest sequence the relay has acknowledged, or one below {@link #firstSequence()}.
     */
    long ackedSequence();

    /**
     * @return whether the connection is up.
     */
    boolean isConnected();

    /**
     * @return why the connection ended, or null while it is up.
     */
    String closeReason();

    /**
     * Closes the publication (saying goodbye when it is still connected); the run ends with it.
     */
    void close();
}
