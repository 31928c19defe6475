package io.sluice.spill;

/**
 * The records a store in acknowledged mode delivered and its owner has not released, oldest first: for each, where the
 * kept read position goes once it is released (the read index and logical offset after it) and the cycle holding it
 * (no file from there on may be deleted). A ring of primitive arrays that doubles when full, so that nothing is
 * allocated per record once it has grown to the owner's window. Owner thread only.
 */
final class DeliveredRecords
{
    private static final int INITIAL_CAPACITY = 64;

    private long[] nextIndexes = new long[INITIAL_CAPACITY];
    private long[] endOffsets = new long[INITIAL_CAPACITY];
    private int[] cycles = new int[INITIAL_CAPACITY];
    private int head;
    private int size;

    /**
     * Adds the newest record delivered.
     *
     * @param nextIndex the read index after it.
     * @param endOffset the logical offset just past its frame.
     * @param cycle     the cycle holding it.
     */
    void add(final long nextIndex, final long endOffset, final int cycle)
    {
        if (size == nextIndexes.length)
        {
            grow();
        }
        final int slot = (head + size) & (nextIndexes.length - 1);
        nextIndexes[slot] = nextIndex;
        endOffsets[slot] = endOffset;
        cycles[slot] = cycle;
        size++;
    }

    /** @return records delivered and not released. */
    int size()
    {
        return size;
    }

    /** @return the cycle holding the oldest record not released; only when {@link #size()} is above 0. */
    int oldestCycle()
    {
        return cycles[head];
    }

    /** @return the read index after the {@code n}th oldest record (0 the oldest); {@code n} below {@link #size()}. */
    long nextIndex(final int n)
    {
        return nextIndexes[(head + n) & (nextIndexes.length - 1)];
    }

    /** @return the offset past the {@code n}th oldest record (0 the oldest); {@code n} below {@link #size()}. */
    long endOffset(final int n)
    {
        return endOffsets[(head + n) & (endOffsets.length - 1)];
    }

    /**
     * Forgets the oldest {@code n} records.
     *
     * @param n at most {@link #size()}.
     */
    void removeOldest(final int n)
    {
        head = (head + n) & (nextIndexes.length - 1);
        size -= n;
    }

    private void grow()
    {
        final int capacity = nextIndexes.length;
        final long[] indexes = new long[capacity << 1];
        final long[] offsets = new long[capacity << 1];
        final int[] cyclesGrown = new int[capacity << 1];
        final int firstPart = capacity - head;
        System.arraycopy(nextIndexes, head, indexes, 0, firstPart);
        System.arraycopy(nextIndexes, 0, indexes, firstPart, head);
        System.arraycopy(endOffsets, head, offsets, 0, firstPart);
        System.arraycopy(endOffsets, 0, offsets, firstPart, head);
        System.arraycopy(cycles, head, cyclesGrown, 0, firstPart);
        System.arraycopy(cycles, 0, cyclesGrown, firstPart, head);
        nextIndexes = indexes;
        endOffsets = offsets;
        cycles = cyclesGrown;
        head = 0;
    }
}
