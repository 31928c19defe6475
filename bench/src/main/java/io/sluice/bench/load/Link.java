package io.sluice.bench.load;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A way to move messages from producers to consumers that the load generator can drive: Sluice through its relay,
 * or one of the peers it is compared with (a plain TCP stream, haproxy, NATS). The same {@link LoadRun} loop drives
 * every link, so their figures differ only by the link.
 */
public interface Link extends AutoCloseable
{
    /**
     * @return a short name for tables and charts, e.g. {@code sluice} or {@code nats-core}.
     */
    String name();

    /**
     * Opens a consumer's end of stream {@code stream}, on the thread that polls it and closes it. Consumers are opened
     * before any producer sends, so nothing a producer sends can pass by before a consumer is there.
     *
     * @param stream stream index, from 0.
     * @return the inlet.
     * @throws Exception when it cannot be opened.
     */
    Inlet openInlet(int stream) throws Exception;

    /**
     * Opens a consumer's end of stream {@code stream} that hands every message to {@code sink} itself, on a thread of
     * the link's own, for a consumer that is not paced (a paced consumer polls). Opened, as {@link #openInlet(int)},
     * before any producer sends, on the consumer's thread, which watches it and closes it.
     *
     * @param stream stream index, from 0.
     * @param sink receives every message and drop notice, on the link's thread.
     * @return the inlet, whose {@link Inlet#poll} delivers nothing and only reports a failed link; null when this link
     * can only be polled.
     * @throws Exception when it cannot be opened.
     */
    default Inlet openInlet(final int stream, final Sink sink) throws Exception
    {
        return null;
    }

    /**
     * Opens a producer's end of stream {@code stream}.
     *
     * @param stream stream index, from 0.
     * @return the outlet.
     * @throws Exception when it cannot be opened.
     */
    Outlet openOutlet(int stream) throws Exception;

    /** Closes everything the link opened. */
    @Override
    void close();

    /** A producer's end; used by one thread. */
    interface Outlet extends AutoCloseable
    {
        /**
         * Offers one message without waiting (a link whose client blocks may block here: that is its backpressure).
         *
         * @param payload the payload; its first 8 bytes are the message key when the run is keyed.
         * @param length payload length.
         * @param keyed whether the payload starts with a key (Sluice's {@code FLAG_KEYED}).
         * @param timestampNanos epoch nanoseconds to carry: the message's intended send time.
         * @return true when taken; false when back-pressured (try the same message again).
         * @throws Exception when the link failed.
         */
        boolean offer(UnsafeBuffer payload, int length, boolean keyed, long timestampNanos) throws Exception;

        /**
         * Pushes out what the outlet batched; called before the producer waits for its next send time.
         *
         * @throws Exception when the link failed.
         */
        default void flush() throws Exception
        {
        }

        @Override
        default void close() throws Exception
        {
        }
    }

    /** A consumer's end; polled by one thread. */
    interface Inlet extends AutoCloseable
    {
        /**
         * Delivers up to {@code limit} messages to {@code sink} on the calling thread.
         *
         * @param sink receives each message.
         * @param limit most messages to deliver.
         * @return messages (and drop notices) delivered.
         * @throws Exception when the link failed.
         */
        int poll(Sink sink, int limit) throws Exception;

        @Override
        default void close() throws Exception
        {
        }
    }

    /** What a consumer learns: a message and its timestamp, or that messages were dropped on the way. */
    interface Sink
    {
        /**
         * @param timestampNanos the timestamp the message carried (epoch nanoseconds).
         */
        void onMessage(long timestampNanos);

        /**
         * @param count messages the link dropped and said so.
         */
        void onDropped(long count);
    }
}
