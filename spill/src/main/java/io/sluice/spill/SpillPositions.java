package io.sluice.spill;

import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.queue.impl.TableStore;

/**
 * The positions a store keeps across restarts, as named values in Chronicle's memory-mapped {@code metadata.cq4t}
 * table store (the way a named tailer keeps its position). Every write is an ordered store into the mapping: it reaches
 * the page cache at once, so it survives a killed process (not a power loss: nothing is fsync'ed). Hints, not truth:
 * after a crash the append-side values may lag the last record by one, and {@link SpillStore} recovers from the
 * records themselves. Owner thread writes; reads are volatile.
 */
final class SpillPositions implements AutoCloseable
{
    /** What a position reads before it was first written. */
    static final long UNSET = Long.MIN_VALUE;

    static final String READ_INDEX_KEY = "sluice.spill.readIndex";
    static final String READ_OFFSET_KEY = "sluice.spill.readOffset";
    static final String APPEND_END_KEY = "sluice.spill.appendEnd";
    static final String LAST_INDEX_KEY = "sluice.spill.lastIndex";

    private final LongValue readIndex;
    private final LongValue readOffset;
    private final LongValue appendEnd;
    private final LongValue lastIndex;

    /**
     * @param metaStore the queue's table store; the positions are created there, {@link #UNSET}, when missing.
     */
    SpillPositions(final TableStore<?> metaStore)
    {
        this.readIndex = metaStore.acquireValueFor(READ_INDEX_KEY, UNSET);
        this.readOffset = metaStore.acquireValueFor(READ_OFFSET_KEY, UNSET);
        this.appendEnd = metaStore.acquireValueFor(APPEND_END_KEY, UNSET);
        this.lastIndex = metaStore.acquireValueFor(LAST_INDEX_KEY, UNSET);
    }

    /** @return the Chronicle index of the next record to read, or {@link #UNSET}. */
    long readIndex()
    {
        return readIndex.getVolatileValue();
    }

    void readIndex(final long index)
    {
        readIndex.setOrderedValue(index);
    }

    /** @return the logical offset just past the last frame consumed, or {@link #UNSET}. */
    long readOffset()
    {
        return readOffset.getVolatileValue();
    }

    void readOffset(final long offset)
    {
        readOffset.setOrderedValue(offset);
    }

    /** @return the logical offset just past the last frame appended, or {@link #UNSET}. */
    long appendEnd()
    {
        return appendEnd.getVolatileValue();
    }

    void appendEnd(final long offset)
    {
        appendEnd.setOrderedValue(offset);
    }

    /** @return the Chronicle index of the last record appended, or {@link #UNSET}. */
    long lastIndex()
    {
        return lastIndex.getVolatileValue();
    }

    void lastIndex(final long index)
    {
        lastIndex.setOrderedValue(index);
    }

    /** Releases the mapped values; the queue closes the table store itself. */
    @Override
    public void close()
    {
        closeQuietly(readIndex);
        closeQuietly(readOffset);
        closeQuietly(appendEnd);
        closeQuietly(lastIndex);
    }

    static void closeQuietly(final LongValue value)
    {
        try
        {
            value.close();
        }
        catch (final RuntimeException ignore)
        {
            // closing anyway
        }
    }
}
