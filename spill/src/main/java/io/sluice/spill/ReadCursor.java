package io.sluice.spill;

/**
 * Where a store's reader stands, and how much of that is kept. In the default mode every move is stored at once in
 * {@link SpillPositions}: a record is consumed as it is delivered. In acknowledged mode
 * ({@link SpillConfig#acknowledgedReads()}) the reader's moves stay here, each record delivered is remembered with the
 * position after it ({@link DeliveredRecords}), and the stored position moves only when the owner releases records
 * ({@link ReleasedPosition}). Owner thread only; nothing allocated per record once the ring has grown.
 */
final class ReadCursor
{
    private final SpillPositions positions;
    private final ReleasedPosition released;
    private final DeliveredRecords delivered;
    // Acknowledged mode: the read index and offset the default mode would have stored by now.
    private long index;
    private long offset;
    // Acknowledged mode: the position after the last record released, as stored.
    private long keptIndex;
    private long keptOffset;

    /**
     * @param positions where the default mode stores every move, and acknowledged mode the kept position.
     * @param released  where acknowledged mode keeps releases; null for the default mode.
     */
    ReadCursor(final SpillPositions positions, final ReleasedPosition released)
    {
        this.positions = positions;
        this.released = released;
        this.delivered = released == null ? null : new DeliveredRecords();
        this.index = positions.readIndex();
        this.offset = positions.readOffset();
        this.keptIndex = index;
        this.keptOffset = offset;
    }

    /**
     * @param positions where every move is stored.
     * @return a cursor of the default mode.
     */
    static ReadCursor storing(final SpillPositions positions)
    {
        return new ReadCursor(positions, null);
    }

    /** @return whether the stored position waits for {@link #release}. */
    boolean acknowledged()
    {
        return released != null;
    }

    /**
     * The reader moved past a record (delivered or skipped) or to the start of a file.
     *
     * @param nextIndex the Chronicle index of the next record to read.
     */
    void moved(final long nextIndex)
    {
        if (released == null)
        {
            positions.readIndex(nextIndex);
        }
        else
        {
            index = nextIndex;
        }
    }

    /**
     * The reader consumed a record.
     *
     * @param endOffset the logical offset just past its frame.
     */
    void consumed(final long endOffset)
    {
        if (released == null)
        {
            positions.readOffset(endOffset);
        }
        else
        {
            offset = endOffset;
        }
    }

    /**
     * A record was delivered, after {@link #consumed} and any {@link #moved} for it: acknowledged mode remembers it
     * until it is released.
     *
     * @param cycle the cycle holding it.
     */
    void delivered(final int cycle)
    {
        if (released != null)
        {
            delivered.add(index, offset, cycle);
        }
    }

    /** @return records delivered and not released; 0 in the default mode. */
    int unreleased()
    {
        return delivered == null ? 0 : delivered.size();
    }

    /** @return the cycle holding the oldest record not released; only when {@link #unreleased()} is above 0. */
    int oldestUnreleasedCycle()
    {
        return delivered.oldestCycle();
    }

    /**
     * Moves the kept position past the oldest {@code records} records not released and keeps {@code tag} with it.
     *
     * @param records records to release.
     * @param tag     the owner's tag.
     * @throws IllegalArgumentException if {@code records} is negative or more than {@link #unreleased()}.
     */
    void release(final int records, final long tag)
    {
        final int unreleased = unreleased();
        if (records < 0 || records > unreleased)
        {
            throw new IllegalArgumentException("cannot release " + records + " record(s): " + unreleased
                + " delivered and not released");
        }
        if (records > 0)
        {
            keptIndex = delivered.nextIndex(records - 1);
            keptOffset = delivered.endOffset(records - 1);
            delivered.removeOldest(records);
        }
        released.release(keptIndex, keptOffset, tag);
    }

    /** @return the tag of the last release, or {@link SpillStore#NO_TAG}. */
    long releasedTag()
    {
        return released.tag();
    }
}
