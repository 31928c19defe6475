package io.sluice.server.tier.memory;

/**
 * A memory tier's depth in messages and the bytes it could free: counted as records are written, read, evicted and
 * replaced, since the ring itself knows only bytes. Event loop only.
 */
final class RingCounts
{
    private long framesIn;
    private long framesOut;
    private long delivered;
    private long junkBytes;

    /** A message was stored. */
    void onStored()
    {
        framesIn++;
    }

    /** A stored message left without being delivered: expired, evicted or replaced. */
    void onRemoved()
    {
        framesOut++;
    }

    /** A stored message was copied out. */
    void onDelivered()
    {
        framesOut++;
        delivered++;
    }

    /** A tombstone or GAP record of {@code bytes} ring bytes was written. */
    void addJunk(final long bytes)
    {
        junkBytes += bytes;
    }

    /** A tombstone or GAP record of {@code bytes} ring bytes was read out or evicted. */
    void removeJunk(final long bytes)
    {
        junkBytes -= bytes;
    }

    /** Compaction left {@code bytes} of tombstones and GAP records. */
    void resetJunk(final long bytes)
    {
        junkBytes = bytes;
    }

    /** @return messages waiting. */
    long frames()
    {
        return framesIn - framesOut;
    }

    /** @return messages copied out so far. */
    long delivered()
    {
        return delivered;
    }

    /** @return ring bytes of tombstones and GAP records waiting: what compaction could free. */
    long junkBytes()
    {
        return junkBytes;
    }
}
