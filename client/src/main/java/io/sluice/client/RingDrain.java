package io.sluice.client;

import io.netty.channel.Channel;

/**
 * What a {@link Publication}'s event loop does with the records its ring holds: stamps their sequences, in ring order,
 * and writes them to the connection. Event loop only.
 */
interface RingDrain
{
    /**
     * On WELCOME, before the publication is connected.
     *
     * @param sequence the sequence the relay expects next.
     * @return whether there is something to drain already.
     */
    boolean startAt(long sequence);

    /**
     * Takes what the ring holds, as far as there is room for it, and writes it to {@code channel} without flushing.
     *
     * @param channel the connection sending now.
     * @return whether it wrote anything, to flush.
     */
    boolean drainTo(Channel channel);

    /**
     * @return whether another pass would write more now.
     */
    boolean hasMore();

    /**
     * The relay acknowledged more, or the socket gave a window back: room for what waited for it.
     */
    void onProgress();

    /**
     * The connection is closed: give back what was being written.
     */
    void onClosed();
}
