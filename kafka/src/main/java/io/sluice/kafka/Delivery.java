package io.sluice.kafka;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * One record a sink sent to Kafka: what is needed to account for it, and to keep it as a dead letter when Kafka
 * refuses it for good (the frame's header fields and the payload). It is also the record's send callback, so a slot
 * of the {@link InFlightWindow} costs nothing per record beyond what Kafka's producer allocates.
 * <p>
 * Kafka calls {@link #onCompletion} on its I/O thread when the record is confirmed or has failed, or on the thread
 * calling {@code send} when it fails before it is queued (no metadata within {@code max.block.ms}, too large for the
 * producer); the sink tells the two apart with {@link #sending(Thread)}. The sink's thread reads the outcome after
 * {@link #isDone()}.
 */
final class Delivery implements Callback
{
    private volatile boolean done;
    private Exception error;
    private Exception sendError;
    private Thread sender;
    private long position;
    private long sentAtNanos;
    private int payloadBytes;

    // The message, for a dead letter.
    int streamId;
    int sourceId;
    int flags;
    long sequence;
    long timestampNanos;
    byte[] payload;

    void reset(final long position, final int payloadBytes)
    {
        this.position = position;
        this.payloadBytes = payloadBytes;
        done = false;
        error = null;
        sendError = null;
        sender = null;
    }

    void release()
    {
        payload = null;
        error = null;
        sendError = null;
    }

    /**
     * Marks the start of a {@code send} call on {@code thread}: a completion on that thread until {@link #sent()} is
     * the send failing at once.
     */
    void sending(final Thread thread)
    {
        sender = thread;
        sentAtNanos = System.nanoTime();
    }

    /**
     * Marks the end of the {@code send} call.
     *
     * @return the error it failed with at once, or null when the record is queued.
     */
    Exception sent()
    {
        sender = null;
        final Exception e = sendError;
        sendError = null;
        return e;
    }

    @Override
    public void onCompletion(final RecordMetadata metadata, final Exception exception)
    {
        if (sender != null && Thread.currentThread() == sender)
        {
            sendError = exception;
            return;
        }
        error = exception;
        done = true;
    }

    /**
     * Settles the record without Kafka: it failed for good before it could be queued.
     *
     * @param exception why.
     */
    void fail(final Exception exception)
    {
        error = exception;
        done = true;
    }

    boolean isDone()
    {
        return done;
    }

    /** @return why the record failed, or null when Kafka confirmed it. Only once {@link #isDone()}. */
    Exception error()
    {
        return error;
    }

    long position()
    {
        return position;
    }

    long sentAtNanos()
    {
        return sentAtNanos;
    }

    int payloadBytes()
    {
        return payloadBytes;
    }
}
