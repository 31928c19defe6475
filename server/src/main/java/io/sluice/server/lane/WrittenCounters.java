package io.sluice.server.lane;

/**
 * What a lane has written to its subscriber's channel. Written by the lane's event loop alone; read from any thread.
 */
final class WrittenCounters
{
    private volatile long messages;
    private volatile long bytes;

    /** Lane's event loop: a drain wrote {@code messages} in {@code bytes}. */
    void add(final long messages, final long bytes)
    {
        this.messages += messages;
        this.bytes += bytes;
    }

    /** Lane's event loop: messages counted as written were taken back from the channel (they go out later). */
    void takeBack(final long messages)
    {
        this.messages -= messages;
    }

    /** @return messages written. */
    long messages()
    {
        return messages;
    }

    /** @return bytes written. */
    long bytes()
    {
        return bytes;
    }
}
